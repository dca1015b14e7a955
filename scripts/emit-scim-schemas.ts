/**
 * Writes the SCIM discovery documents of the default registry to schema/scim/, so reviewers and IdP
 * onboarding can read what the server advertises. A unit test renders them again and fails when the
 * committed files are stale. Run: node -r @swc-node/register scripts/emit-scim-schemas.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildResourceTypes, buildSchemaDocuments, buildServiceProviderConfig } from '../src/scim/protocol/discovery';
import { createDefaultSchemaRegistry } from '../src/scim/protocol/schema-definitions';
import { loadConfig } from '../src/config';

export const SCIM_SCHEMA_DIRECTORY = resolve(__dirname, '..', 'schema', 'scim');

/** Placeholder host: the live endpoints use the request's own base URL. */
const BASE_URL = 'https://HOST/scim/v2';
/** The defaults of an unconfigured deployment; each deployment's endpoint reports its own values. */
const DEFAULTS = loadConfig({});

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
      buildServiceProviderConfig({ baseUrl: BASE_URL, maxResults: DEFAULTS.scimMaxResults, maxPayloadSize: DEFAULTS.maxBodyBytes }),
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
