// Which routes this coordinator serves. GET /v1/routes lists them (docs/api.md); the page
// reads it once at start, so it never calls a route the coordinator does not have (a 404
// in the console on every load). A coordinator without that route is asked route by
// route instead, and a /problems/no-route answer marks the route absent.
import { ApiResponse, call, get, isNoRoute } from './api';

export interface RouteInfo {
  method: string;
  pattern: string;
  name: string;
}

let served: RouteInfo[] | null = null; // null: unknown (no GET /v1/routes)
const absent = new Set<string>(); // "METHOD pattern" found missing by a no-route answer

export async function loadRoutes(): Promise<void> {
  const r = await get<{ routes: RouteInfo[] }>('/v1/routes');
  if (r.ok && r.body && Array.isArray(r.body.routes)) served = r.body.routes;
}

// true or false when known, undefined when only a call can tell.
export function serves(method: string, pattern: string): boolean | undefined {
  if (absent.has(`${method} ${pattern}`)) return false;
  if (served === null) return undefined;
  return served.some((r) => r.method === method && r.pattern === pattern);
}

export function routeList(): RouteInfo[] | null {
  return served;
}

export interface Optional<T> {
  absent: boolean; // the coordinator has no such route
  response: ApiResponse<T> | null;
}

// Calls a route that not every coordinator has: `pattern` is its documented pattern
// (e.g. /v1/demo/runs/{run_id}) and `path` the concrete path.
export async function callOptional<T = any>(
  method: string,
  pattern: string,
  path: string,
  json?: unknown,
): Promise<Optional<T>> {
  if (serves(method, pattern) === false) return { absent: true, response: null };
  const r = await call<T>(method, path, { json });
  if (isNoRoute(r)) {
    absent.add(`${method} ${pattern}`);
    return { absent: true, response: r };
  }
  return { absent: false, response: r };
}

export const getOptional = <T = any>(pattern: string, path: string = pattern) =>
  callOptional<T>('GET', pattern, path);
