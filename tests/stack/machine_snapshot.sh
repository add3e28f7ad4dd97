#!/usr/bin/env bash
# Prints what a real node can leave behind on this machine, one fact a line, in a form two
# snapshots can be diffed: mounts, network namespaces, kubepods cgroups, links, iptables rules
# and user chains (both families), the kernel settings the kubelet changes, the fixed paths,
# and the node's processes.
set -uo pipefail
echo "## mounts"
findmnt -rn -o TARGET,FSTYPE | sort
echo "## network namespaces"
ls -1 /run/netns /var/run/netns 2>/dev/null | sort -u
echo "net namespaces in use: $(lsns -t net -n -o NS 2>/dev/null | sort -u | wc -l)"
echo "## cgroups"
find /sys/fs/cgroup -maxdepth 2 -type d -name 'kubepods*' 2>/dev/null | sort
echo "## links"
ip -o link show | awk '{print $2}' | sed 's/@.*//' | sort
echo "## addresses"
ip -o -4 addr show | awk '{print $2, $4}' | sort
for ipt in iptables ip6tables; do
  for table in filter nat mangle raw; do
    echo "## $ipt $table"
    # Rules and user-defined chains; empty built-in chains (a table that exists but holds
    # nothing) are the same as no table.
    "$ipt-save" -t "$table" 2>/dev/null | grep -E '^(-A|:)' \
      | grep -vE '^:(INPUT|OUTPUT|FORWARD|PREROUTING|POSTROUTING) ACCEPT' | sed 's/ \[[0-9]*:[0-9]*\]$//' | sort
  done
done
echo "## kernel settings"
for k in vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops \
  kernel.keys.root_maxkeys kernel.keys.root_maxbytes net.ipv4.ip_forward \
  net.ipv4.conf.all.route_localnet net.ipv4.conf.all.forwarding net.bridge.bridge-nf-call-iptables; do
  echo "$k = $(sysctl -n "$k" 2>/dev/null)"
done
echo "## fixed paths"
for p in /var/lib/kubelet /var/log/containers /var/log/pods /var/lib/cni /run/containerd /run/netns \
  /etc/cni /run/schemashift; do
  [[ -e "$p" ]] && echo "$p exists"
done
echo "## processes"
for p in containerd containerd-shim-runc-v2 kubelet kube-proxy coredns; do
  echo "$p: $(pgrep -c -x "$p" 2>/dev/null || true)"
done
