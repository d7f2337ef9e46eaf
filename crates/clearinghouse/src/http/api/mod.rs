//! The JSON API under `/api/v1`: one module per resource, each handler thin
//! (extract, call a workflow, serialise) and described for OpenAPI.

/// Writes thin handlers with their OpenAPI descriptions: the caller (and
/// the path's `{id}`, the JSON body or the query, when the arguments name
/// them) handed to a workflow function whose answer is the response: `200`
/// as JSON, `201` through [`created`], `202` through [`accepted`]. Each
/// error status listed is answered with a `Problem` (the name must be in
/// scope); every handler is under `tag` and needs a bearer token.
///
/// ```ignore
/// thin_handlers! { tag = "frontier";
///     /// One window; 404 when you may not read it.
///     get "/windows/{id}", errors(404);
///     fn get(id) -> 200 Window = windows::get;
///
///     /// Publish a new terms version (developer).
///     post "/windows/{id}/terms", errors(403, 404, 422);
///     fn revise_terms(id, NewTerms) -> 200 Window = windows::revise_terms;
///
///     /// Windows you may read.
///     get "/windows";
///     fn list(query q: WindowQuery) -> 200 Page<Window> = windows::list(q.cursor.as_deref());
/// }
/// ```
///
/// The doc comment is the operation's summary and description; `errors(…)`
/// is left out when there are none. The arguments, in this order, are any
/// of `id` (the path's), `NoBody` (an action that takes none), `query q:
/// Query` and `Input` (a JSON body). The workflow is given the state and
/// the principal, then the `&id` and the body when there are, then the
/// arguments written after it (the query's fields).
macro_rules! thin_handlers {
    (tag = $tag:literal; $(
        $(#[doc = $doc:literal])+
        $method:ident $path:literal $(, errors($($error:literal),*))?;
        fn $name:ident($($arg:tt)*) -> $status:tt $out:ty
            = $($workflow:ident)::+ $(($($more:expr),* $(,)?))?;
    )+) => {$(
        thin_handlers!(@args [] [] [] ($($arg)*)
            [$(#[doc = $doc])+ $method, $path, $tag, [$($($error),*)?]]
            $name $status [$out] [$($workflow)::+] [$($($more,)*)?]);
    )+};

    // The arguments one by one, each adding what is extracted, what the
    // workflow is given first, and what the operation describes.
    (@args [$($x:tt)*] [$($g:tt)*] [$($d:tt)*] (id $(, $($arg:tt)*)?) $($rest:tt)*) => {
        thin_handlers!(@args [$($x)* ::axum::extract::Path(id): ::axum::extract::Path<String>,]
            [$($g)* &id,] [$($d)*] ($($($arg)*)?) $($rest)*);
    };
    (@args [$($x:tt)*] [$($g:tt)*] [$($d:tt)*] (NoBody) $($rest:tt)*) => {
        thin_handlers!(@args [$($x)* _: $crate::http::extract::NoBody,] [$($g)*] [$($d)*] ()
            $($rest)*);
    };
    (@args [$($x:tt)*] [$($g:tt)*] [$($d:tt)*] (query $q:ident: $query:ty) $($rest:tt)*) => {
        thin_handlers!(@args
            [$($x)* $crate::http::extract::ApiQuery($q): $crate::http::extract::ApiQuery<$query>,]
            [$($g)*] [$($d)* params($query),] () $($rest)*);
    };
    (@args [$($x:tt)*] [$($g:tt)*] [$($d:tt)*] ($input:ty) $($rest:tt)*) => {
        thin_handlers!(@args
            [$($x)* $crate::http::extract::ApiJson(input): $crate::http::extract::ApiJson<$input>,]
            [$($g)* input,] [$($d)* request_body = $input,] () $($rest)*);
    };
    (@args [$($x:tt)*] [$($g:tt)*] [$($d:tt)*] () $($rest:tt)*) => {
        thin_handlers!(@emit [$($x)*] [$($g)*] [$($d)*] $($rest)*);
    };

    (@emit [$($extract:tt)*] [$($given:tt)*] [$($described:tt)*]
        [$(#[doc = $doc:literal])+ $method:ident, $path:literal, $tag:literal,
            [$($error:literal),*]]
        $name:ident $status:tt [$out:ty] [$($workflow:tt)*] [$($more:tt)*]
    ) => {
        $(#[doc = $doc])+
        #[utoipa::path($method, path = $path, tag = $tag, security(("bearer" = [])), $($described)*
            responses((status = $status, body = $out) $(, (status = $error, body = Problem))*))]
        pub async fn $name(
            $crate::http::extract::Caller { app, who }: $crate::http::extract::Caller,
            $($extract)*
        ) -> $crate::error::AppResult<thin_handlers!(@answer_type $status $out)> {
            let answer = $($workflow)*(&app, &who, $($given)* $($more)*).await?;
            Ok(thin_handlers!(@answer $status answer))
        }
    };

    (@answer_type 200 $out:ty) => { ::axum::Json<$out> };
    (@answer_type $status:tt $out:ty) => { (::axum::http::StatusCode, ::axum::Json<$out>) };
    (@answer 200 $answer:expr) => { ::axum::Json($answer) };
    (@answer 201 $answer:expr) => { $crate::http::api::created($answer) };
    (@answer 202 $answer:expr) => { $crate::http::api::accepted($answer) };
}

pub mod accounts;
pub mod advisories;
pub mod approvals;
pub mod audit;
pub mod cases;
pub mod directives;
pub mod documents;
pub mod exposure;
pub mod findings;
pub mod frontier;
pub mod health;
pub mod notifications;
pub mod scans;

use serde::Deserialize;
use utoipa::IntoParams;

use crate::model::Page;

/// A `201 Created` answer carrying the record made.
pub fn created<T>(record: T) -> (axum::http::StatusCode, axum::Json<T>) {
    (axum::http::StatusCode::CREATED, axum::Json(record))
}

/// A `202 Accepted` answer: the request is recorded, its effect waits (a
/// second person's approval, a job).
pub fn accepted<T>(record: T) -> (axum::http::StatusCode, axum::Json<T>) {
    (axum::http::StatusCode::ACCEPTED, axum::Json(record))
}

/// A list a workflow returns whole, as the one page of a `Page`.
pub fn one_page<T>(items: Vec<T>) -> Page<T> {
    Page {
        items,
        next_cursor: None,
    }
}

/// Cursor pagination parameters shared by list endpoints.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageParams {
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<i64>,
}

impl PageParams {
    /// The cursor as the workflows take it.
    pub fn cursor(&self) -> Option<&str> {
        self.cursor.as_deref()
    }
}

/// [`PageParams`] with a state filter: the parameters of the lists of
/// two-person requests and of designation inquiries. Each endpoint's
/// description names its states.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StatePageParams {
    /// Only records in this state (the endpoint's description names them).
    pub state: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<i64>,
}
