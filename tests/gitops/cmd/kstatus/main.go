// kstatus prints the kstatus verdict (sigs.k8s.io/cli-utils, what Flux, kubectl-style waits
// and Helm 4 use) for the object on stdin (JSON): "Current: message", "InProgress: ...",
// "Failed: ...", "Terminating: ...".
package main

import (
	"fmt"
	"io"
	"os"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
)

func main() {
	data, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "kstatus:", err)
		os.Exit(2)
	}
	obj := &unstructured.Unstructured{}
	if err := obj.UnmarshalJSON(data); err != nil {
		fmt.Fprintln(os.Stderr, "kstatus: stdin:", err)
		os.Exit(2)
	}
	res, err := status.Compute(obj)
	if err != nil {
		fmt.Fprintln(os.Stderr, "kstatus:", err)
		os.Exit(2)
	}
	fmt.Printf("%s: %s\n", res.Status, res.Message)
}
