//! The parsed visibility expression tree: evaluation, term collection and canonical rendering.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::authorizations::{Authorizations, is_term_byte};

/// A non-empty visibility expression. Built only by the parser, which flattens
/// nested groups of the same operator, so an `And` never has an `And` child and
/// an `Or` never has an `Or` child, and both always have at least two children.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Node {
    /// A single authorization term (unescaped).
    Term(String),
    /// Every child must hold.
    And(Vec<Node>),
    /// At least one child must hold.
    Or(Vec<Node>),
}

impl Node {
    /// Evaluates the expression against a set of authorizations. Recursion depth
    /// is bounded by the parser's nesting limit.
    pub(crate) fn evaluate(&self, auths: &Authorizations) -> bool {
        match self {
            Node::Term(t) => auths.contains(t),
            Node::And(children) => children.iter().all(|c| c.evaluate(auths)),
            Node::Or(children) => children.iter().any(|c| c.evaluate(auths)),
        }
    }

    /// Adds every term mentioned in the expression to `out`.
    pub(crate) fn collect_terms(&self, out: &mut BTreeSet<String>) {
        match self {
            Node::Term(t) => {
                out.insert(t.clone());
            }
            Node::And(children) | Node::Or(children) => {
                children.iter().for_each(|c| c.collect_terms(out));
            }
        }
    }

    /// Joins `children` under operator `and` (true for `&`), merging children
    /// that already use the same operator. A single child is returned as is.
    pub(crate) fn join(and: bool, children: Vec<Node>) -> Node {
        let mut flat = Vec::with_capacity(children.len());
        for child in children {
            match child {
                Node::And(grand) if and => flat.extend(grand),
                Node::Or(grand) if !and => flat.extend(grand),
                other => flat.push(other),
            }
        }
        if flat.len() == 1
            && let Some(only) = flat.pop()
        {
            return only;
        }
        if and { Node::And(flat) } else { Node::Or(flat) }
    }

    /// Renders the canonical text form: no whitespace, parentheses only where
    /// required, terms quoted only when they contain characters outside
    /// `[A-Za-z0-9_\-:./]`.
    pub(crate) fn render(&self, out: &mut String) {
        match self {
            Node::Term(t) => render_term(t, out),
            Node::And(children) => render_children(children, '&', out),
            Node::Or(children) => render_children(children, '|', out),
        }
    }
}

fn render_children(children: &[Node], op: char, out: &mut String) {
    for (i, child) in children.iter().enumerate() {
        if i > 0 {
            out.push(op);
        }
        match child {
            Node::Term(_) => child.render(out),
            Node::And(_) | Node::Or(_) => {
                out.push('(');
                child.render(out);
                out.push(')');
            }
        }
    }
}

/// Renders one term, quoting and escaping it when needed.
pub(crate) fn render_term(t: &str, out: &mut String) {
    if !t.is_empty() && t.bytes().all(is_term_byte) {
        out.push_str(t);
        return;
    }
    out.push('"');
    for c in t.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        // Writing to a String cannot fail.
        let _ = out.write_char(c);
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(t: &str) -> Node {
        Node::Term(t.to_owned())
    }

    fn render(n: &Node) -> String {
        let mut s = String::new();
        n.render(&mut s);
        s
    }

    #[test]
    fn join_flattens_same_operator_and_unwraps_singletons() {
        let inner = Node::join(true, vec![term("B"), term("C")]);
        let outer = Node::join(true, vec![term("A"), inner]);
        assert_eq!(outer, Node::And(vec![term("A"), term("B"), term("C")]));
        assert_eq!(Node::join(false, vec![term("A")]), term("A"));
        let or = Node::join(false, vec![term("A"), term("B")]);
        let mixed = Node::join(true, vec![or.clone(), term("C")]);
        assert_eq!(mixed, Node::And(vec![or, term("C")]));
    }

    #[test]
    fn renders_canonically() {
        let or = Node::Or(vec![term("A"), term("quoted term")]);
        let and = Node::And(vec![or, term("a\"b\\c"), term("x:y/z")]);
        assert_eq!(render(&and), r#"(A|"quoted term")&"a\"b\\c"&x:y/z"#);
    }
}
