{{- define "mammoflow.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "mammoflow.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "mammoflow.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end -}}

{{- define "mammoflow.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "mammoflow.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- /* The tag of all three images: image.tag, else the chart's appVersion. */ -}}
{{- define "mammoflow.imageTag" -}}
{{- .Values.image.tag | default .Chart.AppVersion -}}
{{- end -}}

{{- /*
The operator's configuration as mounted: values.config, with the stage images made from
stageImages and the one tag unless config.images names them in full, and
operator.gpuCapacityCheck from gpuCapacityCheck.enabled (the check and its RBAC go together).
*/ -}}
{{- define "mammoflow.config" -}}
{{- $config := deepCopy .Values.config -}}
{{- $images := default (dict) $config.images -}}
{{- $tag := include "mammoflow.imageTag" . -}}
{{- if not $images.typescriptStage -}}
{{- $_ := set $images "typescriptStage" (printf "%s:%s" .Values.stageImages.typescriptStage $tag) -}}
{{- end -}}
{{- if not $images.pythonStage -}}
{{- $_ := set $images "pythonStage" (printf "%s:%s" .Values.stageImages.pythonStage $tag) -}}
{{- end -}}
{{- $_ := set $config "images" $images -}}
{{- $operator := default (dict) $config.operator -}}
{{- $_ := set $operator "gpuCapacityCheck" .Values.gpuCapacityCheck.enabled -}}
{{- $_ := set $config "operator" $operator -}}
{{- toYaml $config -}}
{{- end -}}
