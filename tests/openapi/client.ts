// A small client of the REST API typed only by what openapi-typescript generates from the served
// OpenAPI document (api.d.ts, written by scripts/openapi_check.sh). It must type-check with
// `tsc --strict`: a document a generator misreads, or one whose shapes drift from what clients
// rely on (an envelope's data, a release's fields, a job's status), fails here.

import type { components, paths } from "./api";

type Json<R> = R extends { content: { "application/json": infer B } } ? B : never;
type Ok<Op> = Op extends { responses: { 200: infer R } } ? Json<R> : Op extends { responses: { 202: infer R } } ? Json<R> : never;
type Body<Op> = Op extends { requestBody: { content: { "application/json": infer B } } } ? B : never;

type Release = components["schemas"]["Release"];
type Job = components["schemas"]["Job"];
type ErrorEnvelope = components["schemas"]["ErrorEnvelope"];

async function call<T>(base: string, key: string, method: string, path: string, body?: unknown): Promise<T> {
  const r = await fetch(base + path, {
    method,
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!r.ok) {
    const e = (await r.json()) as ErrorEnvelope;
    throw new Error(`${e.error.code}: ${e.error.message}`);
  }
  return (await r.json()) as T;
}

export async function releaseTitles(base: string, key: string): Promise<string[]> {
  const page = await call<Ok<paths["/api/releases"]["get"]>>(base, key, "GET", "/api/releases?limit=10");
  const releases: Release[] = page.data ?? [];
  return releases.map((r) => `${r.title ?? "?"} (${r.upc ?? "no UPC"})`);
}

export async function distribute(base: string, key: string, release: number, platforms: number[]): Promise<Job> {
  const body: Body<paths["/api/releases/{id}/distributions"]["post"]> = { platformIds: platforms };
  const accepted = await call<Ok<paths["/api/releases/{id}/distributions"]["post"]>>(
    base, key, "POST", `/api/releases/${release}/distributions`, body);
  if (!accepted.data) throw new Error("no job");
  return accepted.data;
}

export async function jobStatus(base: string, key: string, job: number): Promise<string> {
  const j = await call<Ok<paths["/api/jobs/{id}"]["get"]>>(base, key, "GET", `/api/jobs/${job}`);
  return String(j.data?.status);
}

export async function login(base: string, username: string, password: string): Promise<string | undefined> {
  const body: Body<paths["/api/auth/login"]["post"]> = { username, password };
  const r = await call<Ok<paths["/api/auth/login"]["post"]>>(base, "", "POST", "/api/auth/login", body);
  return r.data?.csrfToken;
}
