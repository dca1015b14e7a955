import { Field, InputType, registerEnumType } from 'type-graphql';

export enum UserOrderField {
  USER_NAME = 'USER_NAME',
  DISPLAY_NAME = 'DISPLAY_NAME',
  GIVEN_NAME = 'GIVEN_NAME',
  FAMILY_NAME = 'FAMILY_NAME',
  DEPARTMENT = 'DEPARTMENT',
  EMPLOYEE_NUMBER = 'EMPLOYEE_NUMBER',
  CREATED_AT = 'CREATED_AT',
  UPDATED_AT = 'UPDATED_AT',
}

export enum OrderDirection {
  ASC = 'ASC',
  DESC = 'DESC',
}

registerEnumType(UserOrderField, { name: 'UserOrderField', description: 'Text fields sort case-insensitively; users without a value come last.' });
registerEnumType(OrderDirection, { name: 'OrderDirection' });

@InputType({ description: 'The order of a user list; ties are broken by id, so pages never overlap.' })
export class UserOrder {
  @Field(() => UserOrderField)
  field!: UserOrderField;

  @Field(() => OrderDirection, { defaultValue: OrderDirection.ASC })
  direction!: OrderDirection;
}
