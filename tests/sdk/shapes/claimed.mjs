// The SDK operations Confide serves (docs/api.md, "Response shapes"). The shape test fails unless
// every one of them answered at least once in the run and its body matched the SDK's type; an
// operation without a body (null type) only has to have been called.

export const claimed = [
  'admins.identify', 'admins.list', 'admins.find', 'admins.away', 'admins.listAllActivityLogs',
  'teams.list', 'teams.find',
  'contacts.create', 'contacts.find', 'contacts.update', 'contacts.delete', 'contacts.list', 'contacts.search',
  'contacts.showContactByExternalId', 'contacts.archive', 'contacts.unarchive', 'contacts.listAttachedTags',
  'contacts.listAttachedCompanies', 'contacts.mergeLeadInUser',
  'contacts.attachSubscription', 'contacts.detachSubscription', 'contacts.listAttachedSubscriptions', 'contacts.listAttachedSegments',
  'tags.create', 'tags.list', 'tags.find', 'tags.delete', 'tags.tagContact', 'tags.untagContact',
  'tags.tagConversation', 'tags.untagConversation',
  'notes.create', 'notes.list', 'notes.find',
  'conversations.create', 'conversations.find', 'conversations.list', 'conversations.reply', 'conversations.manage',
  'conversations.deleteConversation', 'conversations.search', 'conversations.update',
  'conversations.attachContactAsAdmin', 'conversations.detachContactAsAdmin', 'conversations.redactConversationPart',
  'companies.createOrUpdate', 'companies.find', 'companies.retrieve', 'companies.update', 'companies.delete',
  'companies.list', 'companies.scroll', 'companies.attachContact', 'companies.detachContact',
  'companies.listAttachedContacts',
  'dataAttributes.list', 'dataAttributes.create', 'dataAttributes.update',
  'events.create', 'events.list', 'events.summaries',
  'messages.create',
  'segments.list', 'segments.find', 'subscriptionTypes.list',
  'visitors.find', 'visitors.update', 'visitors.mergeToContact',
  'dataExport.create', 'dataExport.find', 'dataExport.cancel', 'dataExport.download',
];
