//! Notification email over SMTP (lettre): the `--smtp-url` / `--smtp-from`
//! settings, the [`Mailer`] built from them and carried in `AppState`, and
//! the plain-text messages for one notification and for a daily digest.
//! Email is off unless `--smtp-url` is given.

use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context;
use clap::Args;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::model::notify::Notification;

#[derive(Debug, Clone, Default, Args)]
pub struct SmtpArgs {
    /// SMTP server for notification emails, e.g. `smtp://mail.example:25`,
    /// `smtp://host:587?tls=required` (STARTTLS) or `smtps://user:pass@host:465`.
    /// Email is off when absent.
    #[arg(long, env = "CLEARINGHOUSE_SMTP_URL")]
    pub smtp_url: Option<String>,
    /// The From address of notification emails.
    #[arg(
        long,
        env = "CLEARINGHOUSE_SMTP_FROM",
        default_value = "Clearinghouse <clearinghouse@localhost>"
    )]
    pub smtp_from: String,
}

/// Sends notification emails through one SMTP server.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold credentials; show only the sender.
        write!(f, "Mailer({})", self.from)
    }
}

impl Mailer {
    /// The mailer the settings ask for; None when email is off.
    pub fn from_args(args: &SmtpArgs) -> anyhow::Result<Option<Mailer>> {
        let Some(url) = args.smtp_url.as_deref().filter(|u| !u.is_empty()) else {
            return Ok(None);
        };
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .context("--smtp-url is not a valid smtp:// or smtps:// URL")?
            .timeout(Some(std::time::Duration::from_secs(30)))
            .build();
        let from: Mailbox = args
            .smtp_from
            .parse()
            .context("--smtp-from is not an email address")?;
        Ok(Some(Mailer { transport, from }))
    }

    /// Sends one plain-text message.
    pub async fn send(&self, to: &str, subject: &str, body: String) -> anyhow::Result<()> {
        let to: Mailbox = to.parse().context("recipient address")?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .context("building the message")?;
        self.transport
            .send(message)
            .await
            .context("SMTP delivery")?;
        Ok(())
    }
}

/// Says once per process that email is off, rather than at every job.
pub fn note_email_off() {
    static SAID: AtomicBool = AtomicBool::new(false);
    if !SAID.swap(true, Ordering::Relaxed) {
        tracing::info!("SMTP is not configured (--smtp-url); notification emails are not sent");
    }
}

/// Subject and body of the email for one notification.
pub fn single(n: &Notification, public_url: &str) -> (String, String) {
    let subject = format!("[TLP:{}] {}", n.tlp, n.title);
    let mut body = format!("TLP:{}\n\n{}\n\n{}\n", n.tlp, n.title, n.body);
    body.push_str(&references(n));
    body.push_str(&footer(public_url));
    (subject, body)
}

/// Subject and body of a daily digest. The subject carries the most
/// restrictive marking of the notifications it lists.
pub fn digest(items: &[Notification], public_url: &str) -> (String, String) {
    let tlp = if items.iter().any(|n| n.tlp == "AMBER") {
        "AMBER"
    } else if items.iter().any(|n| n.tlp == "GREEN") {
        "GREEN"
    } else {
        "CLEAR"
    };
    let subject = format!("[TLP:{tlp}] {} new notifications", items.len());
    let mut body = format!("TLP:{tlp}\n\n{} new notifications:\n", items.len());
    for n in items {
        body.push_str(&format!(
            "\n- [TLP:{}] {} ({})\n  {}\n",
            n.tlp, n.title, n.created_at, n.body
        ));
        let refs = references(n);
        if !refs.is_empty() {
            body.push_str(&format!("  {}", refs.trim_start()));
        }
    }
    body.push_str(&footer(public_url));
    (subject, body)
}

fn references(n: &Notification) -> String {
    let mut out = String::new();
    if let Some(v) = &n.vuln_id {
        out.push_str(&format!("\nVulnerability: {v}"));
    }
    if let Some(e) = &n.exposure_id {
        out.push_str(&format!("\nExposure: {e}"));
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

fn footer(public_url: &str) -> String {
    if public_url.is_empty() {
        "\n-- \nClearinghouse notifications\n".to_owned()
    } else {
        format!("\n-- \nClearinghouse notifications: {public_url}/inbox\n")
    }
}
