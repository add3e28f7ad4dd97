# PKI for the local control plane: a test CA, the apiserver's serving certificate, client
# certificates (CN=user, O=group) and the service-account signing key. Sourced by stack.sh.

pki_issue_client() { # name cn org
  local name="$1" cn="$2" org="$3" d="$STACK_DIR/pki"
  openssl req -new -newkey rsa:2048 -nodes -keyout "$d/$name.key" -out "$d/$name.csr" \
    -subj "/O=$org/CN=$cn" 2>/dev/null
  openssl x509 -req -in "$d/$name.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial \
    -days 365 -out "$d/$name.crt" -extfile <(printf 'extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n') 2>/dev/null
  rm -f "$d/$name.csr"
}

pki_up() {
  local d="$STACK_DIR/pki"
  [[ -f "$d/ca.crt" && -f "$d/admin.crt" && -f "$d/sa.key" && -f "$d/apiserver-kubelet-client.crt" ]] && return 0
  mkdir -p "$d"
  openssl req -x509 -new -newkey rsa:2048 -nodes -keyout "$d/ca.key" -out "$d/ca.crt" \
    -days 365 -subj "/CN=schemashift-local-ca" 2>/dev/null
  openssl req -new -newkey rsa:2048 -nodes -keyout "$d/apiserver.key" -out "$d/apiserver.csr" \
    -subj "/CN=kube-apiserver" 2>/dev/null
  openssl x509 -req -in "$d/apiserver.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial \
    -days 365 -out "$d/apiserver.crt" -extfile <(printf '%s\n' \
      'subjectAltName=IP:127.0.0.1,IP:10.0.0.1,IP:10.0.2.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc' \
      'extendedKeyUsage=serverAuth' 'keyUsage=digitalSignature,keyEncipherment') 2>/dev/null
  rm -f "$d/apiserver.csr"
  pki_issue_client admin admin system:masters
  pki_issue_client controller-manager system:kube-controller-manager system:kube-controller-manager
  pki_issue_client scheduler system:kube-scheduler system:kube-scheduler
  pki_issue_client kwok kwok system:masters
  # The API server's identity toward kubelets (logs, exec, port-forward).
  pki_issue_client apiserver-kubelet-client kube-apiserver-kubelet-client schemashift:apiservers
  openssl genrsa -out "$d/sa.key" 2048 2>/dev/null
  openssl rsa -in "$d/sa.key" -pubout -out "$d/sa.pub" 2>/dev/null
}
