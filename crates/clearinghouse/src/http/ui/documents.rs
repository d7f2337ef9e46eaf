//! Shared documents: the list you may read, one document, and a share form.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::Redirect;
use clearinghouse_domain::labels::Tlp;
use serde::Deserialize;

use super::{Nav, UiAuth, UiResult, check_csrf};
use crate::app::AppState;
use crate::model::Document;
use crate::workflows::documents::{self, NewDocument};

#[derive(Template, WebTemplate)]
#[template(path = "documents.html")]
pub struct DocumentsPage {
    nav: Nav,
    documents: Vec<Document>,
    tlps: Vec<&'static str>,
}

pub async fn page(State(app): State<AppState>, UiAuth(who): UiAuth) -> UiResult<DocumentsPage> {
    let documents = documents::list(&app, &who, None, Some(200)).await?.items;
    Ok(DocumentsPage {
        nav: Nav::new(&who, "documents"),
        documents,
        tlps: Tlp::ALL.iter().map(|t| t.as_str()).collect(),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "document.html")]
pub struct DocumentPage {
    nav: Nav,
    doc: Document,
}

pub async fn show(
    State(app): State<AppState>,
    UiAuth(who): UiAuth,
    Path(id): Path<String>,
) -> UiResult<DocumentPage> {
    let doc = documents::get(&app, &who, &id).await?;
    Ok(DocumentPage {
        nav: Nav::new(&who, "documents"),
        doc,
    })
}

#[derive(Deserialize)]
pub struct DocumentForm {
    csrf_token: String,
    title: String,
    #[serde(default)]
    body: String,
    tlp: String,
    #[serde(default)]
    visibility: String,
    #[serde(default)]
    protection_marking: String,
}

pub async fn create(
    State(app): State<AppState>,
    UiAuth(who): UiAuth,
    Form(f): Form<DocumentForm>,
) -> UiResult<Redirect> {
    check_csrf(&who, &f.csrf_token)?;
    let input = NewDocument {
        title: f.title,
        body: f.body,
        tlp: f.tlp,
        visibility: f.visibility,
        protection_marking: (!f.protection_marking.trim().is_empty())
            .then(|| f.protection_marking.trim().to_owned()),
        shared_with_orgs: vec![],
        named_readers: vec![],
        attachment: None,
    };
    let doc = documents::create(&app, &who, input).await?;
    Ok(Redirect::to(&format!("/documents/{}", doc.id)))
}
