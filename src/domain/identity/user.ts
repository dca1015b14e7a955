/** The identity fields the hub indexes for lookups, uniqueness and filters. */
export interface UserEmail {
  readonly value: string;
  readonly type: string | null;
  readonly primary: boolean;
}

export interface UserIndexFields {
  readonly userName: string;
  readonly externalId: string | null;
  readonly active: boolean;
  readonly displayName: string | null;
  readonly givenName: string | null;
  readonly familyName: string | null;
  readonly title: string | null;
  readonly userType: string | null;
  readonly department: string | null;
  readonly division: string | null;
  readonly organization: string | null;
  readonly costCenter: string | null;
  readonly employeeNumber: string | null;
  readonly managerId: string | null;
  readonly emails: readonly UserEmail[];
}

export interface StoredResource {
  readonly id: string;
  readonly tenantId: string;
  /** The resource as the IdP last set it (members excluded for groups), echoed on SCIM reads. */
  readonly raw: Record<string, unknown>;
  readonly version: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface StoredUser extends StoredResource {
  readonly userName: string;
  readonly active: boolean;
}
