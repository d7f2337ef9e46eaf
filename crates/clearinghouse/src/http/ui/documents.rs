//! Shared documents: the list you may read, one document, and a share form
//! (a refusal comes back beside its field, with what was typed kept).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};
use clearinghouse_domain::labels::Tlp;
use serde::Deserialize;

use super::forms::FormError;
use super::names::Names;
use super::{CsrfForm, Nav, UiCaller, UiResult};
use crate::app::AppState;
use crate::auth::Principal;
use crate::model::Document;
use crate::workflows::MAX_PAGE;
use crate::workflows::documents::{self, NewDocument};

#[derive(Template, WebTemplate)]
#[template(path = "documents.html")]
pub struct DocumentsPage {
    nav: Nav,
    documents: Vec<Document>,
    tlps: Vec<&'static str>,
    names: Names,
    form: DocumentForm,
    form_error: Option<FormError>,
}

/// Every document the reader may read, page after page.
async fn all_documents(app: &AppState, who: &Principal) -> UiResult<Vec<Document>> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = documents::list(app, who, cursor.as_deref(), Some(MAX_PAGE)).await?;
        out.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    Ok(out)
}

async fn documents_view(
    app: &AppState,
    who: &Principal,
    mut form: DocumentForm,
    form_error: Option<FormError>,
) -> UiResult<DocumentsPage> {
    let documents = all_documents(app, who).await?;
    let names = Names::load(app, documents.iter().map(|d| d.owner_org.as_str()), []).await?;
    if form.tlp.is_empty() {
        form.tlp = "AMBER".to_owned();
    }
    Ok(DocumentsPage {
        nav: Nav::new(who, "documents"),
        documents,
        tlps: Tlp::ALL.iter().map(|t| t.as_str()).collect(),
        names,
        form,
        form_error,
    })
}

pub async fn page(UiCaller { app, who }: UiCaller) -> UiResult<DocumentsPage> {
    documents_view(&app, &who, DocumentForm::default(), None).await
}

#[derive(Template, WebTemplate)]
#[template(path = "document.html")]
pub struct DocumentPage {
    nav: Nav,
    doc: Document,
    /// The owning organisation's name.
    owner: String,
}

pub async fn show(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
) -> UiResult<DocumentPage> {
    let doc = documents::get(&app, &who, &id).await?;
    let names = Names::load(&app, [doc.owner_org.as_str()], []).await?;
    Ok(DocumentPage {
        nav: Nav::new(&who, "documents"),
        owner: names.org(&doc.owner_org).to_owned(),
        doc,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct DocumentForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub tlp: String,
    #[serde(default)]
    pub visibility: String,
    #[serde(default)]
    pub protection_marking: String,
}

pub async fn create(
    UiCaller { app, who }: UiCaller,
    CsrfForm(f): CsrfForm<DocumentForm>,
) -> UiResult<Response> {
    let input = NewDocument {
        title: f.title.clone(),
        body: f.body.clone(),
        tlp: f.tlp.clone(),
        visibility: f.visibility.clone(),
        protection_marking: (!f.protection_marking.trim().is_empty())
            .then(|| f.protection_marking.trim().to_owned()),
        shared_with_orgs: vec![],
        named_readers: vec![],
        attachment: None,
    };
    match documents::create(&app, &who, input).await {
        Ok(doc) => Ok(Redirect::to(&format!("/documents/{}", doc.id)).into_response()),
        Err(e) => {
            let fields = ["title", "body", "tlp", "visibility", "protection_marking"];
            let (status, err) = FormError::from_app(e, &fields)?;
            let page = documents_view(&app, &who, f, Some(err)).await?;
            Ok((status, page).into_response())
        }
    }
}
