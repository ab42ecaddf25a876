// Talking to the ShopMind API: one fetch wrapper that sends the key and turns error bodies into messages.

export class ApiError extends Error {
  constructor(status, message, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function client(getKey) {
  return async function api(path, { method = "GET", body, params } = {}) {
    const url = params ? `${path}?${query(params)}` : path;
    const headers = { Accept: "application/json" };
    const key = getKey();
    if (key) headers["X-API-Key"] = key;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
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
