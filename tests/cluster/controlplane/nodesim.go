package main

// nodesim plays the kubelets of simulated GPU nodes: it registers the nodes (with
// nvidia.com/gpu capacity, A100 labels and the GPU taint) and moves the pods the scheduler
// bound to them through Running to a final phase. What a pod's container "does" is read from
// the ConfigMap "nodesim" in the pod's namespace, so a test decides every outcome:
//
//	data["<job-name>"] or data["<stage label>"] or data["default"] = JSON behaviour
//	{"exitCode": 0, "message": "<termination message>", "hold": false, "disruptOnce": false, "seconds": 0}
//
// hold keeps the pod Running until the entry changes; seconds keeps it Running that long after
// its start (a stage's duration, for the makespan bench), then ends it as the entry says;
// disruptOnce fails the job's first pod the way a pre-emption does (DisruptionTarget condition,
// exit 137) and runs the replacement normally. Without any entry a pod stays Running. Polling (not watching) keeps this small;
// the interval bounds how fast a simulated pod finishes.

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/retry"
)

const (
	simNodeLabel       = "mammoflow.io/simulated-node"
	behaviourConfigMap = "nodesim"
	stageLabel         = "mammoflow.io/stage"
	jobNameLabel       = "batch.kubernetes.io/job-name"
)

type behaviour struct {
	ExitCode    int32  `json:"exitCode"`
	Message     string `json:"message"`
	Hold        bool   `json:"hold"`
	DisruptOnce bool   `json:"disruptOnce"`
	// Seconds the container runs before it ends (0: at the next step).
	Seconds float64 `json:"seconds"`
}

// running says whether a pod started at started still runs at now under behaviour b.
func (b behaviour) running(started, now time.Time) bool {
	return b.Hold || now.Sub(started) < time.Duration(b.Seconds*float64(time.Second))
}

type simulator struct {
	client    kubernetes.Interface
	nodes     map[string]bool // names of the simulated nodes
	disrupted map[string]bool // job names whose first pod was already disrupted
	// When this process started each pod: the pod's startTime is serialised to whole seconds,
	// too coarse for durations of a second or two.
	started map[types.UID]time.Time
}

func runNodeSimulator(args []string) int {
	flags := flag.NewFlagSet("nodesim", flag.ContinueOnError)
	kubeconfig := flags.String("kubeconfig", "", "kubeconfig of the cluster")
	nodes := flags.String("nodes", "a100-0,a100-1", "comma-separated names of the simulated nodes")
	cpuNodes := flags.String("cpu-nodes", "cpu-0", "comma-separated names of simulated nodes without GPUs")
	gpus := flags.Int("gpus", 2, "nvidia.com/gpu capacity of each node")
	product := flags.String("gpu-product", "NVIDIA-A100-SXM4-80GB", "nvidia.com/gpu.product label of the nodes")
	interval := flags.Duration("interval", 200*time.Millisecond, "how often pods are advanced")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	config, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		fmt.Fprintln(os.Stderr, "nodesim:", err)
		return 1
	}
	config.QPS, config.Burst = 200, 400
	client, err := kubernetes.NewForConfig(config)
	if err != nil {
		fmt.Fprintln(os.Stderr, "nodesim:", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	for _, name := range strings.Split(*nodes, ",") {
		if err := registerNode(ctx, client, name, *gpus, *product); err != nil {
			fmt.Fprintln(os.Stderr, "nodesim: register", name+":", err)
			return 1
		}
	}
	for _, name := range strings.Split(*cpuNodes, ",") {
		if name == "" {
			continue
		}
		if err := registerNode(ctx, client, name, 0, ""); err != nil {
			fmt.Fprintln(os.Stderr, "nodesim: register", name+":", err)
			return 1
		}
	}
	fmt.Println("nodesim: nodes registered:", *nodes, *cpuNodes)
	sim := &simulator{client: client, nodes: map[string]bool{}, disrupted: map[string]bool{}, started: map[types.UID]time.Time{}}
	for _, name := range strings.Split(*nodes+","+*cpuNodes, ",") {
		sim.nodes[name] = true
	}
	ticker := time.NewTicker(*interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return 0
		case <-ticker.C:
			if err := sim.advance(ctx); err != nil && ctx.Err() == nil {
				fmt.Fprintln(os.Stderr, "nodesim:", err)
			}
		}
	}
}

func registerNode(ctx context.Context, client kubernetes.Interface, name string, gpus int, product string) error {
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse("96"),
		corev1.ResourceMemory: resource.MustParse("1Ti"),
		corev1.ResourcePods:   resource.MustParse("110"),
		// Stage pods request scratch space (operator stage sizing), as on a real node.
		corev1.ResourceEphemeralStorage:       resource.MustParse("10Ti"),
		corev1.ResourceName("nvidia.com/gpu"): *resource.NewQuantity(int64(gpus), resource.DecimalSI),
	}
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name: name,
			Labels: map[string]string{
				"kubernetes.io/hostname": name,
				"kubernetes.io/os":       "linux",
				simNodeLabel:             "true",
			},
		},
	}
	if gpus > 0 {
		// What NVIDIA's GPU feature discovery and device plugin publish on a GPU node.
		node.Labels["nvidia.com/gpu.product"] = product
		node.Labels["nvidia.com/gpu.count"] = fmt.Sprint(gpus)
		node.Spec.Taints = []corev1.Taint{{Key: "nvidia.com/gpu", Value: "present", Effect: corev1.TaintEffectNoSchedule}}
	}
	created, err := client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		created, err = client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
	}
	if err != nil {
		return err
	}
	// kube-controller-manager writes a new node too (the TTL controller annotates it at once), so
	// an update here may meet a newer version: read the node again and redo it.
	reread := false
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if reread {
			if created, err = client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{}); err != nil {
				return err
			}
		}
		reread = true
		// Exactly the node's own taints (an earlier run or an admission plugin may have added others).
		if len(created.Spec.Taints) != len(node.Spec.Taints) {
			created.Spec.Taints = node.Spec.Taints
			if created, err = client.CoreV1().Nodes().Update(ctx, created, metav1.UpdateOptions{}); err != nil {
				return err
			}
		}
		now := metav1.Now()
		created.Status.Capacity = capacity
		created.Status.Allocatable = capacity
		created.Status.Phase = corev1.NodeRunning
		created.Status.Conditions = []corev1.NodeCondition{{
			Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady",
			Message: "simulated by nodesim", LastHeartbeatTime: now, LastTransitionTime: now,
		}}
		_, err = client.CoreV1().Nodes().UpdateStatus(ctx, created, metav1.UpdateOptions{})
		return err
	})
}

// advance moves every pod bound to a simulated node one step: Pending → Running → final.
func (s *simulator) advance(ctx context.Context) error {
	pods, err := s.client.CoreV1().Pods("").List(ctx, metav1.ListOptions{FieldSelector: "spec.nodeName!="})
	if err != nil {
		return err
	}
	behaviours := map[string]map[string]string{}
	for i := range pods.Items {
		pod := &pods.Items[i]
		if !s.nodes[pod.Spec.NodeName] {
			continue
		}
		if pod.DeletionTimestamp != nil {
			delete(s.started, pod.UID)
			// A kubelet stops the containers of a deleted pod (the pod ends Failed, which lets
			// the Job controller drop its tracking finalizer), then confirms the deletion.
			if pod.Status.Phase != corev1.PodSucceeded && pod.Status.Phase != corev1.PodFailed {
				if err = s.terminate(ctx, pod, behaviour{ExitCode: 137}); err != nil && !apierrors.IsNotFound(err) {
					return err
				}
			}
			zero := int64(0)
			err = s.client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{GracePeriodSeconds: &zero})
			if err != nil && !apierrors.IsNotFound(err) {
				return err
			}
			continue
		}
		switch pod.Status.Phase {
		case corev1.PodPending, "":
			err = s.start(ctx, pod)
		case corev1.PodRunning:
			data, ok := behaviours[pod.Namespace]
			if !ok {
				data = s.behaviours(ctx, pod.Namespace)
				behaviours[pod.Namespace] = data
			}
			err = s.finish(ctx, pod, data)
		}
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			return err
		}
	}
	return nil
}

func (s *simulator) behaviours(ctx context.Context, namespace string) map[string]string {
	cm, err := s.client.CoreV1().ConfigMaps(namespace).Get(ctx, behaviourConfigMap, metav1.GetOptions{})
	if err != nil {
		return map[string]string{}
	}
	return cm.Data
}

func (s *simulator) start(ctx context.Context, pod *corev1.Pod) error {
	now := metav1.Now()
	pod.Status.Phase = corev1.PodRunning
	pod.Status.StartTime = &now
	pod.Status.HostIP = "10.0.0.1"
	pod.Status.PodIP = "10.1.0.1"
	pod.Status.Conditions = []corev1.PodCondition{
		{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: now},
		{Type: corev1.PodInitialized, Status: corev1.ConditionTrue, LastTransitionTime: now},
		{Type: corev1.ContainersReady, Status: corev1.ConditionTrue, LastTransitionTime: now},
		{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: now},
	}
	pod.Status.ContainerStatuses = nil
	for _, c := range pod.Spec.Containers {
		pod.Status.ContainerStatuses = append(pod.Status.ContainerStatuses, corev1.ContainerStatus{
			Name: c.Name, Image: c.Image, ImageID: c.Image, Ready: true, Started: ptr(true),
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}},
		})
	}
	_, err := s.client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, pod, metav1.UpdateOptions{})
	if err == nil {
		s.started[pod.UID] = now.Time
	}
	return err
}

func (s *simulator) finish(ctx context.Context, pod *corev1.Pod, data map[string]string) error {
	jobName := pod.Labels[jobNameLabel]
	raw, ok := data[jobName]
	if !ok {
		raw, ok = data[pod.Labels[stageLabel]]
	}
	if !ok {
		raw, ok = data["default"]
	}
	if !ok {
		return nil
	}
	var b behaviour
	if err := json.Unmarshal([]byte(raw), &b); err != nil {
		return fmt.Errorf("behaviour for %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	started, ok := s.started[pod.UID]
	if !ok && pod.Status.StartTime != nil {
		started = pod.Status.StartTime.Time // started by an earlier nodesim process
	} else if !ok {
		started = time.Now()
	}
	if b.running(started, time.Now()) {
		return nil
	}
	if err := s.terminate(ctx, pod, b); err != nil {
		return err
	}
	delete(s.started, pod.UID)
	return nil
}

// terminate ends the pod's containers as behaviour b says and reports the final phase.
func (s *simulator) terminate(ctx context.Context, pod *corev1.Pod, b behaviour) error {
	jobName := pod.Labels[jobNameLabel]
	now := metav1.Now()
	phase, exitCode, reason, message := corev1.PodSucceeded, b.ExitCode, "Completed", b.Message
	if b.DisruptOnce && !s.disrupted[pod.Namespace+"/"+jobName] {
		s.disrupted[pod.Namespace+"/"+jobName] = true
		exitCode, reason, message = 137, "Error", ""
		pod.Status.Conditions = append(pod.Status.Conditions, corev1.PodCondition{
			Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue, Reason: "PreemptionByScheduler",
			Message: "simulated pre-emption", LastTransitionTime: now,
		})
	}
	if exitCode != 0 {
		phase = corev1.PodFailed
		if reason == "Completed" {
			reason = "Error"
		}
	}
	pod.Status.Phase = phase
	for i := range pod.Status.ContainerStatuses {
		status := &pod.Status.ContainerStatuses[i]
		started := now
		if status.State.Running != nil {
			started = status.State.Running.StartedAt
		}
		status.Ready = false
		status.Started = ptr(false)
		status.State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
			ExitCode: exitCode, Reason: reason, Message: message, StartedAt: started, FinishedAt: now,
		}}
	}
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == corev1.PodReady || pod.Status.Conditions[i].Type == corev1.ContainersReady {
			pod.Status.Conditions[i].Status = corev1.ConditionFalse
		}
	}
	_, err := s.client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, pod, metav1.UpdateOptions{})
	return err
}

func ptr[T any](v T) *T { return &v }
