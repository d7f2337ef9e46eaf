//! The recursive-descent parser for Accumulo ColumnVisibility expressions.
//!
//! Grammar (ASCII whitespace may surround any token; Accumulo itself rejects it):
//!
//! ```text
//! expr    := operand ( "&" operand )*  |  operand ( "|" operand )*
//! operand := term | quoted | "(" expr ")"
//! term    := [A-Za-z0-9_\-:./]+
//! quoted  := '"' ( any char except '"' and '\'  |  '\"'  |  '\\' )+ '"'
//! ```
//!
//! Every error carries the 0-based byte offset of the offending character.

use super::authorizations::is_term_byte;
use super::expr::Node;
use super::visibility::VisibilityError;

/// The longest accepted expression, in bytes.
pub const MAX_EXPRESSION_LEN: usize = 4096;
/// The deepest accepted parenthesis nesting.
pub const MAX_NESTING_DEPTH: usize = 64;

/// Parses a non-blank expression. Callers handle the blank (public) case.
pub(crate) fn parse(src: &str) -> Result<Node, VisibilityError> {
    if src.len() > MAX_EXPRESSION_LEN {
        return Err(VisibilityError::new(
            MAX_EXPRESSION_LEN,
            format!("expression longer than {MAX_EXPRESSION_LEN} bytes"),
        ));
    }
    let mut parser = Parser {
        src,
        bytes: src.as_bytes(),
        pos: 0,
        depth: 0,
    };
    parser.expr(None)
}

struct Parser<'a> {
    src: &'a str,
    bytes: &'a [u8],
    /// Always on a char boundary: the parser only steps over ASCII bytes, except
    /// inside quoted terms where it stops only at ASCII `"` or `\`.
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn err(&self, position: usize, message: impl Into<String>) -> VisibilityError {
        VisibilityError::new(position, message)
    }

    fn skip_ws(&mut self) {
        while self
            .bytes
            .get(self.pos)
            .is_some_and(u8::is_ascii_whitespace)
        {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn unexpected_char(&self) -> VisibilityError {
        match self
            .src
            .get(self.pos..)
            .and_then(|rest| rest.chars().next())
        {
            Some(c) => self.err(self.pos, format!("unexpected character {c:?}")),
            None => self.err(self.pos, "unexpected end of expression"),
        }
    }

    /// Parses operands joined by one operator, up to the end of input (when
    /// `open` is `None`) or up to the `)` matching the `(` at byte `open`.
    fn expr(&mut self, open: Option<usize>) -> Result<Node, VisibilityError> {
        let mut children = Vec::new();
        let mut op: Option<u8> = None;
        loop {
            children.push(self.operand()?);
            self.skip_ws();
            match self.peek() {
                None => match open {
                    Some(at) => return Err(self.err(at, "unclosed parenthesis opened")),
                    None => break,
                },
                Some(b')') => {
                    if open.is_none() {
                        return Err(self.err(self.pos, "unmatched closing parenthesis"));
                    }
                    self.pos += 1;
                    break;
                }
                Some(b @ (b'&' | b'|')) => {
                    if op.is_some_and(|prev| prev != b) {
                        return Err(self.err(self.pos, "mixing & and | requires parentheses"));
                    }
                    op = Some(b);
                    self.pos += 1;
                }
                Some(b) if b == b'(' || b == b'"' || is_term_byte(b) => {
                    return Err(self.err(self.pos, "expected & or | between terms"));
                }
                Some(_) => return Err(self.unexpected_char()),
            }
        }
        Ok(Node::join(op == Some(b'&'), children))
    }

    fn operand(&mut self) -> Result<Node, VisibilityError> {
        self.skip_ws();
        match self.peek() {
            None => Err(self.err(self.pos, "expected a term")),
            Some(b'(') => self.group(),
            Some(b'"') => self.quoted(),
            Some(b) if is_term_byte(b) => {
                let start = self.pos;
                while self.peek().is_some_and(is_term_byte) {
                    self.pos += 1;
                }
                Ok(Node::Term(self.src[start..self.pos].to_owned()))
            }
            Some(b'&' | b'|' | b')') => Err(self.err(self.pos, "expected a term")),
            Some(_) => Err(self.unexpected_char()),
        }
    }

    fn group(&mut self) -> Result<Node, VisibilityError> {
        let open = self.pos;
        if self.depth >= MAX_NESTING_DEPTH {
            return Err(self.err(
                open,
                format!("parentheses nested deeper than {MAX_NESTING_DEPTH}"),
            ));
        }
        self.pos += 1;
        self.skip_ws();
        if self.peek() == Some(b')') {
            return Err(self.err(self.pos, "empty parentheses"));
        }
        self.depth += 1;
        let node = self.expr(Some(open))?;
        self.depth -= 1;
        Ok(node)
    }

    fn quoted(&mut self) -> Result<Node, VisibilityError> {
        let open = self.pos;
        self.pos += 1;
        let mut term = String::new();
        let mut segment = self.pos;
        loop {
            match self.peek() {
                None => return Err(self.err(open, "unterminated quoted term")),
                Some(b'"') => {
                    term.push_str(&self.src[segment..self.pos]);
                    self.pos += 1;
                    break;
                }
                Some(b'\\') => {
                    term.push_str(&self.src[segment..self.pos]);
                    match self.bytes.get(self.pos + 1) {
                        Some(&escaped @ (b'"' | b'\\')) => term.push(char::from(escaped)),
                        None => return Err(self.err(open, "unterminated quoted term")),
                        Some(_) => {
                            return Err(self.err(
                                self.pos,
                                r#"invalid escape sequence (only \" and \\ are allowed)"#,
                            ));
                        }
                    }
                    self.pos += 2;
                    segment = self.pos;
                }
                Some(_) => self.pos += 1,
            }
        }
        if term.is_empty() {
            return Err(self.err(open, "empty quoted term"));
        }
        Ok(Node::Term(term))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `expected` is `(position, message fragment)`.
    fn check(input: &str, position: usize, message: &str) {
        let err = parse(input).expect_err(input);
        assert_eq!(err.position, position, "position for {input:?}: {err}");
        assert!(
            err.message.contains(message),
            "message for {input:?}: got {:?}, want {message:?}",
            err.message
        );
        assert_eq!(
            err.to_string(),
            format!("{} at position {position}", err.message)
        );
    }

    /// Every input fails at its position with `message`.
    fn check_all(message: &str, cases: &[(&str, usize)]) {
        for (input, position) in cases {
            check(input, *position, message);
        }
    }

    #[test]
    fn operator_errors() {
        check_all(
            "mixing & and | requires parentheses",
            &[("A&B|C", 3), ("A|B&C", 3), ("(A&B|C)", 4), ("A & B | C", 6)],
        );
        check_all(
            "expected a term",
            &[
                ("&A", 0),
                ("A&", 2),
                ("A|", 2),
                ("A&&B", 2),
                ("A||B", 2),
                ("A & ", 4),
                ("(A&)", 3),
                ("|", 0),
            ],
        );
    }

    #[test]
    fn parenthesis_errors() {
        check_all("empty parentheses", &[("()", 1), ("A&( )", 4)]);
        check_all(
            "unclosed parenthesis opened",
            &[("(A", 0), ("A&(B|(C", 5), ("(A|(B)", 0)],
        );
        check_all("expected a term", &[("(A&", 3), (")", 0)]);
        check_all("unmatched closing parenthesis", &[("A)", 1), ("(A))", 3)]);
        check_all(
            "expected & or | between terms",
            &[("A(B)", 1), ("(A)B", 3), ("A B", 2), ("A \"b\"", 2)],
        );
    }

    #[test]
    fn character_and_quote_errors() {
        check_all(
            "unexpected character '!'",
            &[("!A", 0), ("A&!B", 2), ("A!", 1)],
        );
        check_all("unexpected character 'é'", &[("A&é", 2), ("é|A", 0)]);
        check_all("unexpected character ','", &[("A&B,C", 3)]);
        check_all("empty quoted term", &[("\"\"", 0), ("A&\"\"", 2)]);
        check_all(
            "unterminated quoted term",
            &[("\"abc", 0), ("A|\"ab\\", 2), ("\"a\\\"", 0)],
        );
        check_all(
            "invalid escape sequence",
            &[("\"a\\nb\"", 2), ("\"a\\é\"", 2)],
        );
    }

    #[test]
    fn limit_errors() {
        let long = "A".repeat(MAX_EXPRESSION_LEN + 1);
        check(&long, MAX_EXPRESSION_LEN, "longer than 4096 bytes");
        let ok_depth = format!("{}A{}", "(".repeat(64), ")".repeat(64));
        assert!(parse(&ok_depth).is_ok());
        let deep = format!("{}A{}", "(".repeat(65), ")".repeat(65));
        check(&deep, 64, "nested deeper than 64");
        let hostile = "(".repeat(MAX_EXPRESSION_LEN);
        check(&hostile, 64, "nested deeper than 64");
    }
}
