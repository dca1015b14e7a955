/**
 * Writes the SCIM discovery documents of the default registry to schema/scim/, so reviewers and IdP
 * onboarding can read what the server advertises. A unit test renders them again and fails when the
 * committed files are stale. Run: node -r @swc-node/register scripts/emit-scim-schemas.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildResourceTypes, buildSchemaDocuments, buildServiceProviderConfig } from '../src/scim/protocol/discovery';
import { createDefaultSchemaRegistry } from '../src/scim/protocol/schema-definitions';

export const SCIM_SCHEMA_DIRECTORY = resolve(__dirname, '..', 'schema', 'scim');

/** Placeholder host: the live endpoints use the request's own base URL. */
const BASE_URL = 'https://HOST/scim/v2';
/** Documented defaults; a deployment's configuration decides the values its endpoint reports. */
const DEFAULT_MAX_RESULTS = 200;
const DEFAULT_MAX_PAYLOAD_SIZE = 1_048_576;

function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** File name -> content of every document under schema/scim/. */
export function renderScimSchemaFiles(): Record<string, string> {
  const registry = createDefaultSchemaRegistry();
  return {
    'schemas.json': toJson(buildSchemaDocuments(registry, BASE_URL)),
    'resource-types.json': toJson(buildResourceTypes(registry, BASE_URL)),
    'service-provider-config.json': toJson(
      buildServiceProviderConfig({ baseUrl: BASE_URL, maxResults: DEFAULT_MAX_RESULTS, maxPayloadSize: DEFAULT_MAX_PAYLOAD_SIZE }),
    ),
  };
}

if (require.main === module) {
  mkdirSync(SCIM_SCHEMA_DIRECTORY, { recursive: true });
  for (const [fileName, content] of Object.entries(renderScimSchemaFiles())) {
    writeFileSync(join(SCIM_SCHEMA_DIRECTORY, fileName), content);
    console.log(`wrote schema/scim/${fileName}`);
  }
}
