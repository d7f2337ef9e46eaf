//! Paging and sorting of the UI's tables: the page's place in the whole
//! list ("1–50 of 567"), links to the previous and next pages and to each
//! sortable column, all keeping the page's other query parameters (its
//! filters and search), so every view is a URL that can be shared.

use std::cmp::Ordering;

use serde::Deserialize;

/// Sorts a list read whole by `order` (which breaks ties itself, by id),
/// reversed when the page asks for descending order.
pub fn sort_rows<T>(rows: &mut [T], descending: bool, order: impl Fn(&T, &T) -> Ordering) {
    rows.sort_by(|a, b| {
        let o = order(a, b);
        if descending { o.reverse() } else { o }
    });
}

/// Rows on one page of a table.
pub const PAGE_ROWS: i64 = 50;

/// The paging part of a list page's query string.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct PageParams {
    /// 1-based page number (text: query strings read through `flatten`
    /// carry only strings; anything but a positive number is page 1).
    #[serde(default)]
    pub page: String,
    /// The sort column's URL word.
    #[serde(default)]
    pub sort: String,
    /// `asc` or `desc`.
    #[serde(default)]
    pub dir: String,
    /// The search box.
    #[serde(default)]
    pub q: String,
}

impl PageParams {
    pub fn page(&self) -> i64 {
        self.page
            .trim()
            .parse::<i64>()
            .unwrap_or(1)
            .clamp(1, i64::MAX / PAGE_ROWS)
    }

    pub fn offset(&self) -> i64 {
        (self.page() - 1).saturating_mul(PAGE_ROWS)
    }

    /// Descending unless the URL says `asc`; `default_desc` when it says nothing.
    pub fn descending(&self, default_desc: bool) -> bool {
        match self.dir.as_str() {
            "asc" => false,
            "desc" => true,
            _ => default_desc,
        }
    }

    pub fn search(&self) -> Option<&str> {
        let s = self.q.trim();
        (!s.is_empty()).then_some(s)
    }

    /// Whether one of a row's `fields` holds the search (any case); every
    /// row matches when there is none.
    pub fn matches<'f>(&self, fields: impl IntoIterator<Item = &'f str>) -> bool {
        let Some(needle) = self.search().map(str::to_lowercase) else {
            return true;
        };
        fields
            .into_iter()
            .any(|f| f.to_lowercase().contains(&needle))
    }

    /// The sort column asked for when it is one of `sorts`, else `default`.
    pub fn sort_among(&self, sorts: &[&'static str], default: &'static str) -> &'static str {
        sorts
            .iter()
            .copied()
            .find(|s| *s == self.sort)
            .unwrap_or(default)
    }
}

/// Where a page stands in its list, and the links around it.
pub struct Pager {
    /// The list's path, e.g. `/findings`.
    path: String,
    /// The filters as `(name, value)` pairs, without page, sort and dir.
    params: Vec<(String, String)>,
    pub page: i64,
    pub total: i64,
    pub rows: i64,
    pub sort: String,
    pub descending: bool,
}

fn encode(pairs: &[(String, String)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs.iter().filter(|(_, v)| !v.is_empty()))
        .finish()
}

impl Pager {
    /// `filters` are the page's own query parameters (not `page`, `sort`,
    /// `dir`); `q` is added from `p`.
    pub fn new(
        path: &str,
        filters: &[(&str, &str)],
        p: &PageParams,
        sort: &str,
        descending: bool,
        rows: usize,
        total: i64,
    ) -> Pager {
        let mut params: Vec<(String, String)> = filters
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        params.push(("q".to_owned(), p.q.trim().to_owned()));
        Pager {
            path: path.to_owned(),
            params,
            page: p.page(),
            total,
            rows: rows as i64,
            sort: sort.to_owned(),
            descending,
        }
    }

    /// The page `p` asks for of `rows` (a whole list, already sorted), with
    /// its pager: for lists read whole and sorted in memory.
    pub fn cut<T>(
        rows: Vec<T>,
        path: &str,
        filters: &[(&str, &str)],
        p: &PageParams,
        sort: &str,
        descending: bool,
    ) -> (Vec<T>, Pager) {
        let total = rows.len() as i64;
        let page: Vec<T> = rows
            .into_iter()
            .skip(usize::try_from(p.offset()).unwrap_or(usize::MAX))
            .take(PAGE_ROWS as usize)
            .collect();
        let pager = Pager::new(path, filters, p, sort, descending, page.len(), total);
        (page, pager)
    }

    fn url(&self, page: i64, sort: &str, descending: bool) -> String {
        let mut pairs = self.params.clone();
        pairs.push(("sort".to_owned(), sort.to_owned()));
        pairs.push((
            "dir".to_owned(),
            if descending { "desc" } else { "asc" }.to_owned(),
        ));
        if page > 1 {
            pairs.push(("page".to_owned(), page.to_string()));
        }
        format!("{}?{}", self.path, encode(&pairs))
    }

    /// "1–50 of 567", or "0 of 0".
    pub fn range(&self) -> String {
        if self.rows == 0 {
            return format!("0 of {}", self.total);
        }
        let first = (self.page - 1) * PAGE_ROWS + 1;
        format!("{first}–{} of {}", first + self.rows - 1, self.total)
    }

    pub fn prev(&self) -> Option<String> {
        (self.page > 1).then(|| self.url(self.page - 1, &self.sort, self.descending))
    }

    pub fn next(&self) -> Option<String> {
        (self.page * PAGE_ROWS < self.total)
            .then(|| self.url(self.page + 1, &self.sort, self.descending))
    }

    /// The link of a column header: sorted by it (flipping the direction
    /// when it already is), from the first page.
    pub fn sort_url(&self, column: &str) -> String {
        let descending = if column == self.sort {
            !self.descending
        } else {
            true
        };
        self.url(1, column, descending)
    }

    /// The header link's class: `sorted` (and `asc`) on the current column.
    pub fn sort_class(&self, column: &str) -> &'static str {
        match (column == self.sort, self.descending) {
            (true, true) => "sorted",
            (true, false) => "sorted asc",
            _ => "",
        }
    }

    /// The query parameters to carry in a form (hidden fields), e.g. the
    /// filters around a search box.
    pub fn hidden(&self) -> Vec<(String, String)> {
        self.params
            .iter()
            .filter(|(k, v)| k != "q" && !v.is_empty())
            .cloned()
            .collect()
    }

    /// The current view's URL (for a form's `back` field).
    pub fn here(&self) -> String {
        self.url(self.page, &self.sort, self.descending)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(page: i64, q: &str) -> PageParams {
        PageParams {
            page: page.to_string(),
            q: q.to_owned(),
            ..Default::default()
        }
    }

    #[test]
    fn range_and_links() {
        let p = Pager::new(
            "/findings",
            &[("state", "received")],
            &params(2, "sql"),
            "received",
            true,
            50,
            567,
        );
        assert_eq!(p.range(), "51–100 of 567");
        assert_eq!(
            p.next().as_deref(),
            Some("/findings?state=received&q=sql&sort=received&dir=desc&page=3")
        );
        assert_eq!(
            p.prev().as_deref(),
            Some("/findings?state=received&q=sql&sort=received&dir=desc")
        );
        assert_eq!(
            p.sort_url("received"),
            "/findings?state=received&q=sql&sort=received&dir=asc"
        );
        assert_eq!(
            p.sort_url("title"),
            "/findings?state=received&q=sql&sort=title&dir=desc"
        );
        assert_eq!(
            p.hidden(),
            vec![("state".to_owned(), "received".to_owned())]
        );
    }

    #[test]
    fn last_and_empty_pages() {
        let p = Pager::new("/x", &[], &params(12, ""), "a", false, 17, 567);
        assert_eq!(p.range(), "551–567 of 567");
        assert!(p.next().is_none());
        let empty = Pager::new("/x", &[], &params(1, ""), "a", false, 0, 0);
        assert_eq!(empty.range(), "0 of 0");
        assert!(empty.prev().is_none() && empty.next().is_none());
    }
}
