import { KubeApiError } from "../../../operator/kube/client.ts";

/**
 * The API server's refusal of what `request` sends; `accepted` is the error when it was accepted
 * instead. Any other error (not an answer of the API server) is thrown as it is.
 */
export async function refusal(request: Promise<unknown>, accepted: string): Promise<KubeApiError> {
  try {
    await request;
  } catch (error) {
    if (error instanceof KubeApiError) return error;
    throw error;
  }
  throw new Error(accepted);
}
