// git-http serves the git repositories under a directory over git's smart-HTTP protocol on
// loopback: every request goes to `git http-backend` as CGI, exactly as a web server in front of
// a real git host does, so a client (Flux's source-controller) clones with git's own protocol.
//
//	git-http ROOT    listens on 127.0.0.1, a free port; prints "listening on http://ADDR"
package main

import (
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/cgi"
	"os"
	"os/exec"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: git-http ROOT")
		os.Exit(2)
	}
	git, err := exec.LookPath("git")
	if err != nil {
		log.Fatal(err)
	}
	handler := &cgi.Handler{
		Path: git,
		Args: []string{"http-backend"},
		Env:  []string{"GIT_PROJECT_ROOT=" + os.Args[1], "GIT_HTTP_EXPORT_ALL=1"},
		Root: "/",
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("listening on http://%s\n", ln.Addr())
	logged := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.Printf("%s %s?%s", r.Method, r.URL.Path, r.URL.RawQuery)
		handler.ServeHTTP(w, r)
	})
	log.Fatal(http.Serve(ln, logged))
}
