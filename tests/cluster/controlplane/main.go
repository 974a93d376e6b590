// Command controlplane is one binary for the test control plane: the first
// argument names the component, so each one runs in its own process (their
// global flag, feature-gate and metrics registries must not be shared).
package main

import (
	"context"
	"fmt"
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
	"k8s.io/component-base/cli"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
	kubelet "k8s.io/kubernetes/cmd/kubelet/app"
)

const usage = "usage: controlplane etcd|kube-apiserver|kube-controller-manager|kube-scheduler|kubelet|nodesim [flags]"

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	component, rest := os.Args[1], os.Args[2:]
	// Each command parses os.Args[1:] itself, so the component name is dropped.
	os.Args = append([]string{component}, rest...)
	switch component {
	case "etcd":
		etcdmain.Main(os.Args)
	case "kube-apiserver":
		os.Exit(cli.Run(apiserver.NewAPIServerCommand()))
	case "kube-controller-manager":
		os.Exit(cli.Run(controllermanager.NewControllerManagerCommand()))
	case "kube-scheduler":
		os.Exit(cli.Run(scheduler.NewSchedulerCommand()))
	case "kubelet":
		// The real node of the suite (tests/cluster/harness/real-node.ts), with containerd.
		os.Exit(cli.Run(kubelet.NewKubeletCommand(context.Background())))
	case "nodesim":
		os.Exit(runNodeSimulator(rest))
	default:
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
}
