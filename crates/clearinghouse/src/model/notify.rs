//! Notification records as the store returns them and the API shows them:
//! an organisation's inbox entries, its webhook endpoints and its delivery
//! settings.

use serde::Serialize;
use utoipa::ToSchema;

/// One entry of an organisation's inbox.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Notification {
    pub id: String,
    pub org_id: String,
    /// What happened, such as `exposure.new` or `exposure.priority_changed`
    /// (the webhook payload's `type`).
    pub kind: NotificationKind,
    pub exposure_id: Option<String>,
    pub vuln_id: Option<String>,
    /// TLP 2.0: `CLEAR`, `GREEN`, `AMBER` or `AMBER+STRICT`, at least as
    /// strict as what it tells of. Whatever the marking, a notification is
    /// only ever shown to its own organisation.
    pub tlp: String,
    /// The visibility expression of what it tells of: only members whose
    /// authorizations satisfy it read it, and deliveries outside the
    /// platform (webhooks, emails) carry none of its text.
    pub visibility: String,
    pub title: String,
    pub body: String,
    pub created_at: String,
    /// When someone of the organisation marked it read.
    pub read_at: Option<String>,
    /// When it went out by email (alone or in a digest).
    pub emailed_at: Option<String>,
}

closed_set!(
    /// What a notification tells of.
    NotificationKind {
        /// New exposures of the organisation's assets.
        ExposureNew => "exposure.new",
        /// Exposures whose priority changed.
        ExposurePriorityChanged => "exposure.priority_changed",
        /// Open exposures a vendor's VEX statement closed as not affected.
        ExposureNotAffected => "exposure.not_affected",
        /// A file of findings finished processing.
        SubmissionProcessed => "submission.processed",
        /// A designation inquiry was opened.
        InquiryOpened => "inquiry.opened",
        /// An inquiry asks its consultees.
        InquiryConsultationOpen => "inquiry.consultation_open",
        /// Every consultee of an inquiry has answered.
        InquiryConsultationsComplete => "inquiry.consultations_complete",
        /// An inquiry's proposed decision waits for a second authority.
        InquiryApprovalPending => "inquiry.approval_pending",
        /// An inquiry was decided.
        InquiryDecided => "inquiry.decided",
        /// An inquiry's outcome was communicated to the developer.
        InquiryCommunicated => "inquiry.communicated",
        /// Parts of an inquiry were released to the developer.
        InquiryReleased => "inquiry.released",
        /// The organisation was invited to a coordination case.
        CaseInvited => "case.invited",
        /// An invited organisation joined a case.
        CaseJoined => "case.joined",
        /// A new message in a case.
        CaseMessage => "case.message",
        /// A message in a case mentions the organisation.
        CaseMention => "case.mention",
        /// A case's disclosure date moved.
        CaseDateMoved => "case.date_moved",
        /// A vendor's status in a case changed.
        CaseStatusChanged => "case.status_changed",
        /// A case was published.
        CasePublished => "case.published",
        /// A vendor released a patch in a case.
        CasePatchReleased => "case.patch_released",
        /// A coordinator withdrew the organisation from a case.
        CaseRemoved => "case.removed",
        /// An organisation left a case the organisation coordinates.
        CaseLeft => "case.left",
        /// A directive's due date is near.
        DirectiveReminder => "directive.reminder",
        /// A directive's required action is overdue.
        DirectiveOverdue => "directive.overdue",
        /// The daily digest of directive compliance.
        DirectiveDigest => "directive.digest",
        /// A scanning grant the organisation relied on was revoked.
        ScanGrantRevoked => "scan.grant_revoked",
        /// An access window to a covered model closed.
        WindowClosed => "window.closed",
        /// An access window to a covered model was shortened.
        WindowShortened => "window.shortened",
        /// An organisation was nominated as a trusted partner of a model.
        PartnerNominated => "partner.nominated",
        /// A trusted partner was approved by both sides.
        PartnerApproved => "partner.approved",
        /// A trusted partner nomination or approval was withdrawn.
        PartnerWithdrawn => "partner.withdrawn",
        /// An organisation asked for a tool of the catalog.
        ToolRequested => "tool.requested",
        /// A request for a tool was approved or declined.
        ToolRequestDecided => "tool.request_decided",
        /// An insider-risk alert was raised on an access window.
        WindowAlert => "window.alert",
        /// Approved access to a tool of the catalog was revoked.
        ToolAccessRevoked => "tool.access_revoked",
        /// A government administrator granted someone access in one of
        /// the developer's windows.
        WindowGranted => "window.granted",
        /// Someone's access in an access window was revoked.
        WindowGrantRevoked => "window.grant_revoked",
    }
);

/// What a delivery outside the platform says of a labelled notification.
pub const LABELLED_TITLE: &str = "A labelled notification is waiting in your inbox";

impl Notification {
    /// The notification as it may leave the platform (webhook, email,
    /// digest): as it is when unlabelled; for one with a visibility
    /// expression, its title and body replaced by a pointer to the inbox
    /// (an email address or an endpoint holds no authorizations).
    pub fn for_delivery(&self) -> Notification {
        if self.visibility.is_empty() {
            return self.clone();
        }
        Notification {
            title: LABELLED_TITLE.to_owned(),
            body: "It carries a visibility label: sign in to read it.".to_owned(),
            vuln_id: None,
            exposure_id: None,
            ..self.clone()
        }
    }
}

/// A webhook endpoint. Its signing secret is shown only once, at creation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Webhook {
    pub id: String,
    pub org_id: String,
    pub url: String,
    pub description: String,
    pub enabled: bool,
    pub created_at: String,
    #[serde(skip)]
    pub secret: String,
}

/// A webhook just created, with its signing secret (shown this once).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CreatedWebhook {
    pub id: String,
    pub org_id: String,
    pub url: String,
    pub description: String,
    pub enabled: bool,
    pub created_at: String,
    /// `whsec_` + base64: the Standard Webhooks signing secret. Store it now;
    /// it cannot be read again.
    pub secret: String,
}

impl From<Webhook> for CreatedWebhook {
    fn from(w: Webhook) -> Self {
        CreatedWebhook {
            id: w.id,
            org_id: w.org_id,
            url: w.url,
            description: w.description,
            enabled: w.enabled,
            created_at: w.created_at,
            secret: w.secret,
        }
    }
}

/// How an organisation is told of new notifications besides its inbox.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NotificationSettings {
    pub org_id: String,
    /// Where notification emails go; none means no email.
    pub email: Option<String>,
    /// One email a day listing what is new, instead of one per notification.
    pub daily_digest: bool,
    /// Absent until the settings are first saved.
    pub updated_at: Option<String>,
}
