// Strict validation of rendered Kubernetes objects, offline, from two generated descriptions of the
// Kubernetes OpenAPI schema:
//  1. kubernetes-models: types, enums, required fields (it accepts unknown fields, e.g. a misspelled
//     `imagePullPolcy`, because the OpenAPI schema does not set additionalProperties: false);
//  2. @kubernetes/client-node's model metadata (attributeTypeMap, generated from the same OpenAPI
//     document): the complete set of fields of every type, used to reject any unknown field at every
//     level, which is what the API server's strict field validation does.
// CRDs (KEDA, Prometheus Operator) have no OpenAPI entry there: they are checked against strict JSON
// schemas written from their CRD specs (crd-schemas.ts) with ajv.
import * as clientModels from '@kubernetes/client-node/dist/gen/models/all.js';
import { Ajv } from 'ajv';
import { crdSchemas } from './crd-schemas.ts';
import type { K8sObject } from './render.ts';

interface Attribute {
  baseName: string;
  type: string;
}

const attributeMaps = new Map<string, readonly Attribute[]>();
for (const [name, value] of Object.entries(clientModels as Record<string, unknown>)) {
  const map = (value as { attributeTypeMap?: unknown } | undefined)?.attributeTypeMap;
  if (typeof value === 'function' && Array.isArray(map)) attributeMaps.set(name, map as Attribute[]);
}

const ARRAY = /^Array<(.+)>$/;
const MAP = /^\{ \[key: string\]: (.+); \}$/;

/** Reports every field of `value` (and below) that the OpenAPI type `type` does not declare. */
function unknownFields(value: unknown, type: string, path: string, errors: string[]): void {
  if (value === null || value === undefined) return;
  const array = ARRAY.exec(type);
  if (array?.[1]) {
    if (Array.isArray(value))
      for (const [i, item] of value.entries()) unknownFields(item, array[1], `${path}/${i}`, errors);
    return;
  }
  const map = MAP.exec(type);
  if (map?.[1]) {
    if (typeof value === 'object')
      for (const [key, item] of Object.entries(value)) unknownFields(item, map[1], `${path}/${key}`, errors);
    return;
  }
  const attributes = attributeMaps.get(type);
  if (!attributes) return; // a primitive, IntOrString, a date or free-form `any`
  if (typeof value !== 'object' || Array.isArray(value)) return; // wrong type: kubernetes-models says so
  const byName = new Map(attributes.map((a) => [a.baseName, a.type]));
  for (const [key, item] of Object.entries(value)) {
    const fieldType = byName.get(key);
    if (fieldType === undefined) errors.push(`${path}/${key}: unknown field (not in ${type})`);
    else unknownFields(item, fieldType, `${path}/${key}`, errors);
  }
}

/** "apps/v1" + "Deployment" -> "V1Deployment" (client-node's model name). */
function clientModelName(apiVersion: string, kind: string): string {
  const version = apiVersion.split('/').pop() ?? apiVersion;
  return `${version.charAt(0).toUpperCase()}${version.slice(1)}${kind}`;
}

/**
 * kustomize wraps long base64 values of a Secret's `data` over several lines; the API server decodes
 * them with Go's encoding/base64, which ignores line breaks, while the `byte` format check of
 * kubernetes-models does not. Join the lines, as the server does, before checking the format.
 */
function asDecodedByTheApiServer(object: K8sObject): K8sObject {
  if (object.apiVersion !== 'v1' || object.kind !== 'Secret' || typeof object.data !== 'object')
    return object;
  const data = Object.fromEntries(
    Object.entries(object.data as Record<string, unknown>).map(([k, v]) => [
      k,
      typeof v === 'string' ? v.replace(/[\r\n]/g, '') : v,
    ]),
  );
  return { ...object, data };
}

type ModelClass = new (data: unknown) => { validate(): void };

async function kubernetesModel(apiVersion: string, kind: string): Promise<ModelClass | undefined> {
  try {
    const specifier = `kubernetes-models/${apiVersion}`;
    const module = (await import(/* @vite-ignore */ specifier)) as Record<string, unknown>;
    return module[kind] as ModelClass | undefined;
  } catch {
    return undefined;
  }
}

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
const crdValidators = new Map(
  Object.entries(crdSchemas).map(([key, schema]) => [key, ajv.compile(schema)] as const),
);

/**
 * Validates one object strictly: every problem found, as `path: message` lines (empty when valid).
 * An object of a kind with no schema at all is an error, never skipped.
 */
export async function validateObject(object: K8sObject): Promise<string[]> {
  const { apiVersion, kind } = object;
  const where = `${kind}/${object.metadata?.name ?? '?'}`;
  const errors: string[] = [];
  const crd = crdValidators.get(`${apiVersion}/${kind}`);
  if (crd) {
    if (!crd(object)) {
      for (const e of crd.errors ?? []) {
        const extra = e.keyword === 'additionalProperties' ? ` '${String(e.params.additionalProperty)}'` : '';
        errors.push(`${where}${e.instancePath}: ${e.message}${extra}`);
      }
    }
    unknownFields(object.metadata, 'V1ObjectMeta', `${where}/metadata`, errors);
    return errors;
  }
  const Model = await kubernetesModel(apiVersion, kind);
  const modelName = clientModelName(apiVersion, kind);
  if (!Model || !attributeMaps.has(modelName)) return [`${where}: no schema for ${apiVersion} ${kind}`];
  try {
    new Model(asDecodedByTheApiServer(object)).validate();
  } catch (error) {
    errors.push(`${where}: ${(error as Error).message}`);
  }
  unknownFields(object, modelName, where, errors);
  return errors;
}
