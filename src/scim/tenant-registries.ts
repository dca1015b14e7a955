import type { MappingService } from '../services/mapping.service';
import type { ScimPrincipal } from '../services/tenant.service';
import { buildTenantExtension } from './protocol/tenant-extension';
import { createDefaultSchemaRegistry, type ScimSchemaRegistry } from './protocol/schema-definitions';

/**
 * How long a tenant's registry is reused: schema versions change rarely, and a request stays one read
 * cheaper. A schema change made on this node applies at once; one made on another node within this bound.
 */
const REGISTRY_TTL_MS = 30_000;

/** The SCIM schema registry per tenant: the RFC schemas plus the tenant's extension, cached briefly. */
export class TenantRegistries {
  private readonly standard = createDefaultSchemaRegistry();
  private readonly cached = new Map<string, { registry: ScimSchemaRegistry; until: number; generation: number }>();

  constructor(private readonly mapping: MappingService) {}

  async registryFor(principal: ScimPrincipal | undefined): Promise<ScimSchemaRegistry> {
    if (!principal) return this.standard;
    const generation = this.mapping.changeGeneration(principal.tenant.id);
    const hit = this.cached.get(principal.tenant.id);
    if (hit && hit.until > Date.now() && hit.generation === generation) return hit.registry;
    const schema = await this.mapping.activeSchema(principal.tenant.id);
    const registry = createDefaultSchemaRegistry([buildTenantExtension(schema)]);
    this.cached.set(principal.tenant.id, { registry, until: Date.now() + REGISTRY_TTL_MS, generation });
    return registry;
  }
}
