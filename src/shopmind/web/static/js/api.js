// Talking to the ShopMind API: one fetch wrapper that sends the key and turns error bodies into messages.

export class ApiError extends Error {
  constructor(status, message, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function client(getKey) {
  // A Blob body (a file) is sent as it is; `as: "blob"` answers the body as a Blob (a download).
  return async function api(path, { method = "GET", body, params, as } = {}) {
    const url = params ? `${path}?${query(params)}` : path;
    const headers = { Accept: "application/json" };
    const key = getKey();
    if (key) headers["X-API-Key"] = key;
    const raw = typeof Blob !== "undefined" && body instanceof Blob;
    if (body !== undefined) headers["Content-Type"] = raw ? "application/octet-stream" : "application/json";
    const sent = body === undefined || raw ? body : JSON.stringify(body);
    const res = await fetch(url, { method, headers, body: sent });
    if (res.ok && as === "blob") return res.blob();
    const data = res.status === 204 ? null : await res.json().catch(() => null);
    if (!res.ok) {
      const err = data && data.error;
      throw new ApiError(res.status, err ? err.message : `${res.status} ${res.statusText}`, err && err.code);
    }
    return data;
  };
}

// URLSearchParams from an object; arrays become repeated keys, empty values are left out.
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    for (const one of Array.isArray(v) ? v : [v]) {
      if (one !== undefined && one !== null && one !== "") q.append(k, one);
    }
  }
  return q.toString();
}
