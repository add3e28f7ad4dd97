#include "cli/completion.h"

namespace schemashift::cli {

namespace {
constexpr const char* kCommands = "get list history plan approve pause resume abort completion";
}  // namespace

std::string bash_completion() {
  return R"SH(# bash completion for kubectl-schemashift: source <(kubectl-schemashift completion bash)
_kubectl_schemashift() {
  local cur prev cmd i ns_args=()
  cur="${COMP_WORDS[COMP_CWORD]}"
  prev="${COMP_WORDS[COMP_CWORD-1]}"
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "${COMP_WORDS[i]}" in
      -n|--namespace|--context|--kubeconfig) ns_args+=("${COMP_WORDS[i]}" "${COMP_WORDS[i+1]}"); ((i++)) ;;
      -*) ;;
      *) [[ -z "$cmd" ]] && cmd="${COMP_WORDS[i]}" ;;
    esac
  done
  case "$prev" in
    -n|--namespace) COMPREPLY=($(compgen -W "$(kubectl get namespaces -o name 2>/dev/null | sed 's#^namespace/##')" -- "$cur")); return ;;
    --kubeconfig) COMPREPLY=($(compgen -f -- "$cur")); return ;;
  esac
  if [[ -z "$cmd" ]]; then
    COMPREPLY=($(compgen -W ")SH" +
         std::string(kCommands) +
         R"SH( --kubeconfig --context --namespace --no-color --help" -- "$cur"))
    return
  fi
  case "$cmd" in
    get) COMPREPLY=($(compgen -W "--watch $(kubectl-schemashift "${ns_args[@]}" list -o name 2>/dev/null)" -- "$cur")) ;;
    history|approve|pause|resume|abort) COMPREPLY=($(compgen -W "$(kubectl-schemashift "${ns_args[@]}" list -o name 2>/dev/null)" -- "$cur")) ;;
    list) COMPREPLY=($(compgen -W "--all-namespaces --output" -- "$cur")) ;;
    plan) COMPREPLY=($(compgen -f -- "$cur")) ;;
    completion) COMPREPLY=($(compgen -W "bash zsh" -- "$cur")) ;;
  esac
}
complete -F _kubectl_schemashift kubectl-schemashift
)SH";
}

std::string zsh_completion() {
  return std::string(R"SH(#compdef kubectl-schemashift
# zsh completion for kubectl-schemashift: source <(kubectl-schemashift completion zsh)
_kubectl_schemashift_names() {
  local -a names
  names=(${(f)"$(kubectl-schemashift list -o name 2>/dev/null)"})
  _describe 'schemamigration' names
}
_kubectl_schemashift() {
  local -a commands
  commands=(
    'get:Show one migration as a tree'
    'list:List migrations'
    'history:The phases a migration went through'
    'plan:What the operator would do with a manifest'
    'approve:Let contract start'
    'pause:Hold the migration where it is'
    'resume:Carry on after a pause'
    'abort:Roll back now'
    'completion:Print a shell completion script'
  )
  _arguments -C \
    '--kubeconfig[kubeconfig file]:file:_files' \
    '--context[kubeconfig context]:context:' \
    '(-n --namespace)'{-n,--namespace}'[namespace]:namespace:' \
    '--no-color[plain text]' \
    '1:command:->command' \
    '*::arg:->args'
  case $state in
    command) _describe 'command' commands ;;
    args)
      case $words[1] in
        get) _arguments '(-w --watch)'{-w,--watch}'[redraw on change]' '1:name:_kubectl_schemashift_names' ;;
        history|approve|pause|resume|abort) _arguments '1:name:_kubectl_schemashift_names' ;;
        list) _arguments '(-A --all-namespaces)'{-A,--all-namespaces}'[every namespace]' '(-o --output)'{-o,--output}'[output]:format:(name)' ;;
        plan) _arguments '1:file:_files' ;;
        completion) _arguments '1:shell:(bash zsh)' ;;
      esac ;;
  esac
}
compdef _kubectl_schemashift kubectl-schemashift
)SH");
}

}  // namespace schemashift::cli
