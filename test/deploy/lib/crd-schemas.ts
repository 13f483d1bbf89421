// Strict JSON schemas (additionalProperties: false at every level) for the custom resources the
// manifests use, written from the CRDs' documented specs: KEDA v2 (keda.sh/v1alpha1 ScaledObject and
// TriggerAuthentication) and the Prometheus Operator (monitoring.coreos.com/v1 ServiceMonitor).
// They cover the fields of those CRDs that faceflow uses or may reasonably use; a field outside them
// fails, like a misspelled field of a built-in kind. `metadata` is checked as ObjectMeta elsewhere.

const stringMap = { type: 'object', additionalProperties: { type: 'string' } } as const;
const duration = { type: 'string', pattern: '^(0|(([0-9]+)(ms|s|m|h))+)$' } as const;

function resource(apiVersion: string, kind: string, spec: object) {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
    properties: {
      apiVersion: { const: apiVersion },
      kind: { const: kind },
      metadata: { type: 'object' },
      spec,
    },
  } as const;
}

const labelSelector = {
  type: 'object',
  additionalProperties: false,
  properties: {
    matchLabels: stringMap,
    matchExpressions: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['key', 'operator'],
        properties: {
          key: { type: 'string' },
          operator: { enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'] },
          values: { type: 'array', items: { type: 'string' } },
        },
      },
    },
  },
} as const;

const scaledObject = resource('keda.sh/v1alpha1', 'ScaledObject', {
  type: 'object',
  additionalProperties: false,
  required: ['scaleTargetRef', 'triggers'],
  properties: {
    scaleTargetRef: {
      type: 'object',
      additionalProperties: false,
      required: ['name'],
      properties: {
        apiVersion: { type: 'string' },
        kind: { type: 'string' },
        name: { type: 'string', minLength: 1 },
        envSourceContainerName: { type: 'string' },
      },
    },
    pollingInterval: { type: 'integer', minimum: 1 },
    cooldownPeriod: { type: 'integer', minimum: 0 },
    initialCooldownPeriod: { type: 'integer', minimum: 0 },
    idleReplicaCount: { type: 'integer', minimum: 0 },
    minReplicaCount: { type: 'integer', minimum: 0 },
    maxReplicaCount: { type: 'integer', minimum: 1 },
    fallback: {
      type: 'object',
      additionalProperties: false,
      required: ['failureThreshold', 'replicas'],
      properties: {
        failureThreshold: { type: 'integer', minimum: 1 },
        replicas: { type: 'integer', minimum: 0 },
      },
    },
    triggers: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['type', 'metadata'],
        properties: {
          type: { type: 'string', minLength: 1 },
          name: { type: 'string' },
          useCachedMetrics: { type: 'boolean' },
          metricType: { enum: ['AverageValue', 'Value', 'Utilization'] },
          // KEDA trigger metadata is a map of strings (numbers must be quoted).
          metadata: stringMap,
          authenticationRef: {
            type: 'object',
            additionalProperties: false,
            required: ['name'],
            properties: {
              name: { type: 'string', minLength: 1 },
              kind: { enum: ['TriggerAuthentication', 'ClusterTriggerAuthentication'] },
            },
          },
        },
      },
    },
  },
});

const triggerAuthentication = resource('keda.sh/v1alpha1', 'TriggerAuthentication', {
  type: 'object',
  additionalProperties: false,
  properties: {
    secretTargetRef: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['parameter', 'name', 'key'],
        properties: { parameter: { type: 'string' }, name: { type: 'string' }, key: { type: 'string' } },
      },
    },
    env: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['parameter', 'name'],
        properties: {
          parameter: { type: 'string' },
          name: { type: 'string' },
          containerName: { type: 'string' },
        },
      },
    },
  },
});

const serviceMonitor = resource('monitoring.coreos.com/v1', 'ServiceMonitor', {
  type: 'object',
  additionalProperties: false,
  required: ['selector', 'endpoints'],
  properties: {
    jobLabel: { type: 'string' },
    targetLabels: { type: 'array', items: { type: 'string' } },
    podTargetLabels: { type: 'array', items: { type: 'string' } },
    selector: labelSelector,
    namespaceSelector: {
      type: 'object',
      additionalProperties: false,
      properties: { any: { type: 'boolean' }, matchNames: { type: 'array', items: { type: 'string' } } },
    },
    endpoints: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        properties: {
          port: { type: 'string' },
          targetPort: { type: ['string', 'integer'] },
          path: { type: 'string', pattern: '^/' },
          scheme: { enum: ['http', 'https'] },
          interval: duration,
          scrapeTimeout: duration,
          honorLabels: { type: 'boolean' },
          params: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
        },
      },
    },
  },
});

/** By `apiVersion/kind`. */
export const crdSchemas: Record<string, object> = {
  'keda.sh/v1alpha1/ScaledObject': scaledObject,
  'keda.sh/v1alpha1/TriggerAuthentication': triggerAuthentication,
  'monitoring.coreos.com/v1/ServiceMonitor': serviceMonitor,
};
