// Where Confide deliberately answers otherwise than the SDK's types say. Each entry replaces the
// schema of one member of the named SDK types (the schema's definitions, as the generator names
// them) before the bodies are checked; docs/api.md ("Response shapes") lists the same, with the
// reason. Keep the two in step: an entry whose member the SDK no longer has fails the run.

const hexIds = { type: 'array', items: { type: 'string' } };

export const departures = [
  {
    types: ['Admin', 'AdminWithApp'],
    member: 'team_ids',
    schema: hexIds,
    why: 'team ids are 24-character strings, not numbers',
  },
  {
    types: ['Team'],
    member: 'admin_ids',
    schema: hexIds,
    why: 'admin ids are 24-character strings, not numbers',
  },
  {
    types: ['Conversation'],
    member: 'admin_assignee_id',
    schema: { type: 'string' },
    why: 'admin ids are 24-character strings, not numbers',
  },
  {
    types: ['CompanyList', 'CompaniesRetrieveResponse.List'],
    member: 'pages',
    schema: { $ref: '#/definitions/CursorPages' },
    why: "the pages object of Intercom's 2.11 description (type \"pages\"), where the SDK's 2.14 types say offset_pages",
  },
  {
    types: ['DataAttribute'],
    member: 'model',
    schema: { type: 'string', enum: ['contact', 'company', 'conversation'] },
    why: 'conversation attributes are listed with model "conversation", which the SDK\'s type does not name',
  },
  {
    types: ['ActivityLog'],
    member: 'activity_type',
    schema: { type: 'string' },
    why: "Intercom's activity type where it has one, Confide's own name otherwise (docs/activity-log.md)",
  },
];

// Operations whose answer is, in some cases, another SDK type than the one the SDK declares for
// them: the body passes if it matches the declared type or one of these (chosen by its `type`).
export const alternatives = [
  {
    operation: 'events.list',
    type: 'Intercom.DataEventList',
    why: "without summary=true the answer is Intercom's event.list, which the SDK declares elsewhere but not for this method",
  },
];
