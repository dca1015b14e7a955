import { JSONResolver } from 'graphql-scalars';
import { Extensions, Field, InputType, Int, registerEnumType } from 'type-graphql';
import { textDocumentFields } from '../string-inputs';

export enum ScimWriteMethod {
  POST = 'POST',
  PUT = 'PUT',
  PATCH = 'PATCH',
}

registerEnumType(ScimWriteMethod, { name: 'ScimWriteMethod' });

@InputType({ description: 'A mapping set as a YAML mapping file or as the same structure in JSON; exactly one.' })
@Extensions(textDocumentFields('yaml', 'definition'))
export class MappingSetDefinitionInput {
  @Field(() => String, { nullable: true })
  yaml?: string | null;

  @Field(() => JSONResolver, { nullable: true, description: '{ dialect, rules: [...] }, as the YAML file holds it.' })
  definition?: unknown;
}

@InputType()
export class DraftMappingSetInput extends MappingSetDefinitionInput {
  @Field(() => String, { nullable: true })
  comment?: string | null;
}

@InputType({ description: 'One SCIM write as an IdP sends it.' })
export class PreviewRequestInput {
  @Field(() => ScimWriteMethod)
  method!: ScimWriteMethod;

  @Field(() => JSONResolver, { description: 'The request body: a User for POST and PUT, a PatchOp for PATCH.' })
  body!: unknown;
}

@InputType({ description: 'Requests about one user, in order (a POST, then PATCHes).' })
export class PreviewPayloadInput {
  @Field(() => String, { nullable: true })
  label?: string | null;

  @Field(() => [PreviewRequestInput])
  requests!: PreviewRequestInput[];
}

@InputType({
  description:
    'A dry run: which mapping (a stored `version`, or an unsaved `yaml`/`definition`; default the active version) over which payloads (exactly one of `payloads`, `dialectSamples`, `recentRequests`).',
})
export class PreviewMappingInput extends MappingSetDefinitionInput {
  @Field(() => Int, { nullable: true })
  version?: number | null;

  @Field(() => [PreviewPayloadInput], { nullable: true, description: 'Pasted requests.' })
  payloads?: PreviewPayloadInput[] | null;

  @Field(() => Boolean, { nullable: true, description: "The built-in samples of the connection's dialect." })
  dialectSamples?: boolean | null;

  @Field(() => Int, { nullable: true, description: 'The last N user writes the connection received (1-200), as the provisioning log kept them: redacted, and only when the tenant keeps bodies.' })
  recentRequests?: number | null;
}

@InputType()
@Extensions(textDocumentFields('definition'))
export class DraftDomainSchemaInput {
  @Field(() => JSONResolver, { description: '{ schema: { customSchemaUrn, fields: [...] }, optionLists: [...] }.' })
  definition!: unknown;

  @Field(() => String, { nullable: true })
  comment?: string | null;
}
