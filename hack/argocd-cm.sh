#!/usr/bin/env bash
# argocd-cm.sh: prints the argocd-cm patch that installs the SchemaMigration health check and
# actions (gitops/argocd/resource_customizations/...) into an Argo CD that does not ship them:
#   hack/argocd-cm.sh > patch.yaml && kubectl -n argocd patch configmap argocd-cm --patch-file patch.yaml
set -euo pipefail
dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/gitops/argocd/resource_customizations/schemashift.io/SchemaMigration"
indent() { sed "s/^/$1/" "$2"; }
echo "data:"
echo "  resource.customizations.health.schemashift.io_SchemaMigration: |"
indent "    " "$dir/health.lua"
echo "  resource.customizations.actions.schemashift.io_SchemaMigration: |"
echo "    discovery.lua: |"
indent "      " "$dir/actions/discovery.lua"
echo "    definitions:"
for action in approve pause resume abort; do
  echo "    - name: $action"
  echo "      action.lua: |"
  indent "        " "$dir/actions/$action/action.lua"
done
