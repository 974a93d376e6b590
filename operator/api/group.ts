/** API group and version of every mammoflow kind. */
export const API_GROUP = "mammoflow.io";
export const API_VERSION = "v1alpha1";
export const API_GROUP_VERSION = `${API_GROUP}/${API_VERSION}`;
/** Category shared by all kinds, so `kubectl get mammoflow` lists every resource. */
export const API_CATEGORY = "mammoflow";
