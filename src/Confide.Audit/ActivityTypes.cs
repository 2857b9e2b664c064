namespace Confide.Audit;

/// <summary>
/// The activity types Confide records. Intercom's <c>activity_type</c> name is used wherever
/// Intercom has one; the others are Confide's own. docs/activity-log.md lists each with what
/// triggers it; a test checks that list against this class.
/// </summary>
public static class ActivityTypes
{
    // Intercom's names.
    public const string AdminLoginSuccess = "admin_login_success";
    public const string AdminLoginFailure = "admin_login_failure";
    public const string AdminLogout = "admin_logout";
    public const string AppAdminJoin = "app_admin_join";
    public const string AdminDeletion = "admin_deletion";
    public const string RoleCreation = "role_creation";
    public const string RoleDeletion = "role_deletion";
    public const string AdminPermissionChange = "admin_permission_change";
    public const string AdminTwoFactorAuthChange = "admin_two_factor_auth_change";
    public const string AdminPasswordChange = "admin_password_change";
    public const string SecuritySettingsChange = "security_settings_change";
    public const string AppTeamCreation = "app_team_creation";
    public const string AppTeamMembershipModification = "app_team_membership_modification";
    public const string AppTeamDeletion = "app_team_deletion";
    public const string MessengerApiSecretCreation = "messenger_api_secret_creation";
    public const string AppIdentityVerificationChange = "app_identity_verification_change";

    // Confide's own.
    public const string WorkspaceCreation = "workspace_creation";
    public const string ContactDeletion = "contact_deletion";
    public const string ConversationDeletion = "conversation_deletion";
    public const string ActivityLogExport = "activity_log_export";
    public const string MasterKeyRotation = "master_key_rotation";
    public const string WorkspaceKeyRotation = "workspace_key_rotation";
    public const string ContactKeyRotation = "contact_key_rotation";
    public const string ApiTokenCreation = "api_token_creation";
    public const string ApiTokenRevocation = "api_token_revocation";
    public const string AdminReauthentication = "admin_reauthentication";
    public const string AdminPasskeyAdded = "admin_passkey_added";
    public const string AdminPasskeyRemoved = "admin_passkey_removed";
    public const string AdminSessionRevocation = "admin_session_revocation";
    public const string SsoConnectionChange = "sso_connection_change";
    public const string SsoConnectionDeletion = "sso_connection_deletion";
    public const string TeamNameChange = "team_name_change";
    public const string MessengerApiSecretDeletion = "messenger_api_secret_deletion";
    public const string AdminInvitationAcceptance = "admin_invitation_acceptance";
    public const string AdminNameChange = "admin_name_change";
    public const string AdminAwayModeChange = "admin_away_mode_change";
    public const string AppDataExport = "app_data_export";
    public const string ConversationPartCreation = "conversation_part_creation";
    public const string ContactNoteCreation = "contact_note_creation";
    public const string PrivacyRequestCreation = "privacy_request_creation";
    public const string PrivacyRequestStateChange = "privacy_request_state_change";
    public const string PrivacyRequestDeadlineExtension = "privacy_request_deadline_extension";
    public const string SubjectExportCreation = "subject_export_creation";
    public const string SubjectExportDownload = "subject_export_download";
    public const string ContactsBulkDeletion = "contacts_bulk_deletion";
    public const string WorkspaceDeletionScheduled = "workspace_deletion_scheduled";
    public const string WorkspaceDeletionCancelled = "workspace_deletion_cancelled";
    public const string WorkspaceDeletionCompleted = "workspace_deletion_completed";
    public const string RetentionPolicyChange = "retention_policy_change";
    public const string RetentionRun = "retention_run";
    public const string LegalHoldSet = "legal_hold_set";
    public const string LegalHoldReleased = "legal_hold_released";
    public const string CompanyCreation = "company_creation";
    public const string CompanyUpdate = "company_update";
    public const string CompanyDeletion = "company_deletion";
    public const string ConversationTagCreation = "conversation_tag_creation";
    public const string ConversationTagDeletion = "conversation_tag_deletion";
    public const string ConversationPriorityChange = "conversation_priority_change";
    public const string ConversationSnoozeEnded = "conversation_snooze_ended";
    public const string ConversationPartRedaction = "conversation_part_redaction";
    public const string ConversationCustomAttributesChange = "conversation_custom_attributes_change";
    public const string ConversationContactAttachment = "conversation_contact_attachment";
    public const string ConversationContactDetachment = "conversation_contact_detachment";

    // Data exports of outbound messages (Intercom's /export/content/data; the start is Intercom's app_data_export).
    public const string DataExportCancellation = "data_export_cancellation";
    public const string DataExportDownload = "data_export_download";

    // Contact merge, outbound messages and visitors.
    public const string ContactMerge = "contact_merge";
    public const string MessageCreation = "message_creation";
    public const string VisitorConversion = "visitor_conversion";

    // Retention: inactive workspaces.
    public const string WorkspaceInactivityWarning = "workspace_inactivity_warning";

    // Custom data attributes (workspace configuration).
    public const string DataAttributeCreation = "data_attribute_creation";
    public const string DataAttributeChange = "data_attribute_change";

    // Subscription types, contacts' subscriptions (consent records) and segments.
    public const string SubscriptionTypeCreation = "subscription_type_creation";
    public const string SubscriptionTypeChange = "subscription_type_change";
    public const string SubscriptionTypeDeletion = "subscription_type_deletion";
    public const string ContactSubscriptionAdded = "contact_subscription_added";
    public const string ContactSubscriptionRemoved = "contact_subscription_removed";
    public const string SegmentCreation = "segment_creation";
    public const string SegmentChange = "segment_change";
    public const string SegmentDeletion = "segment_deletion";

    public static IReadOnlyList<string> All { get; } =
    [
        AdminLoginSuccess, AdminLoginFailure, AdminLogout, AppAdminJoin, AdminDeletion, AdminPermissionChange, RoleCreation, RoleDeletion, AdminTwoFactorAuthChange, AdminPasswordChange, SecuritySettingsChange,
        AppTeamCreation, AppTeamMembershipModification, AppTeamDeletion, MessengerApiSecretCreation, AppIdentityVerificationChange,
        WorkspaceCreation, ContactDeletion, ConversationDeletion, ActivityLogExport,
        MasterKeyRotation, WorkspaceKeyRotation, ContactKeyRotation, ApiTokenCreation, ApiTokenRevocation,
        AdminReauthentication, AdminPasskeyAdded, AdminPasskeyRemoved, AdminSessionRevocation, SsoConnectionChange, SsoConnectionDeletion, TeamNameChange,
        MessengerApiSecretDeletion, AdminInvitationAcceptance, AdminNameChange, AdminAwayModeChange, ConversationPartCreation, ContactNoteCreation,
        PrivacyRequestCreation, PrivacyRequestStateChange, PrivacyRequestDeadlineExtension, SubjectExportCreation, SubjectExportDownload,
        AppDataExport, DataExportCancellation, DataExportDownload,
        ContactsBulkDeletion,
        WorkspaceDeletionScheduled, WorkspaceDeletionCancelled, WorkspaceDeletionCompleted,
        RetentionPolicyChange, RetentionRun,
        WorkspaceInactivityWarning,
        LegalHoldSet, LegalHoldReleased,
        CompanyCreation, CompanyUpdate, CompanyDeletion,
        ConversationTagCreation, ConversationTagDeletion, ConversationPriorityChange,
        ConversationSnoozeEnded, ConversationPartRedaction, ConversationCustomAttributesChange, ConversationContactAttachment, ConversationContactDetachment,
        DataAttributeCreation, DataAttributeChange,
        ContactMerge, MessageCreation, VisitorConversion,
        SubscriptionTypeCreation, SubscriptionTypeChange, SubscriptionTypeDeletion, ContactSubscriptionAdded, ContactSubscriptionRemoved,
        SegmentCreation, SegmentChange, SegmentDeletion,
    ];
}
