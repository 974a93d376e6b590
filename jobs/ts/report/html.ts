/** Text for HTML content and attribute values. */
export const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

export const fixed = (p: number) => (Number.isNaN(p) ? "n/a" : p.toFixed(4));
export const percent = (p: number) => `${(p * 100).toFixed(1)} %`;
