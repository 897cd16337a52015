//! The little JSON the account report needs: values, and a pretty printer
//! (two-space indent, members in the order given). Strings are escaped as
//! RFC 8259 requires: `"` and `\`, and every control character (below
//! U+0020) as `\n`, `\r`, `\t`, `\b`, `\f` or `\u00XX`.

use std::string::String;
use std::vec::Vec;

/// A JSON value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Number(u64),
    String(String),
    Array(Vec<Value>),
    Object(Vec<(&'static str, Value)>),
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
impl From<u64> for Value {
    fn from(n: u64) -> Self {
        Value::Number(n)
    }
}
impl From<u32> for Value {
    fn from(n: u32) -> Self {
        Value::Number(u64::from(n))
    }
}
impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.into())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}
impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(v: Vec<T>) -> Self {
        Value::Array(v.into_iter().map(Into::into).collect())
    }
}

/// An object: `obj! { "name" => value, ... }`, members in this order.
macro_rules! obj {
    ($($k:literal => $v:expr),* $(,)?) => {
        $crate::json::Value::Object(vec![$(($k, $crate::json::Value::from($v))),*])
    };
}
pub(crate) use obj;

fn escape(out: &mut String, s: &str) {
    use core::fmt::Write;
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn indent(out: &mut String, depth: usize) {
    out.push('\n');
    for _ in 0..depth {
        out.push_str("  ");
    }
}

fn write(out: &mut String, v: &Value, depth: usize) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => escape(out, s),
        Value::Array(items) if items.is_empty() => out.push_str("[]"),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                indent(out, depth.saturating_add(1));
                write(out, item, depth.saturating_add(1));
            }
            indent(out, depth);
            out.push(']');
        }
        Value::Object(members) if members.is_empty() => out.push_str("{}"),
        Value::Object(members) => {
            out.push('{');
            for (i, (k, item)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                indent(out, depth.saturating_add(1));
                escape(out, k);
                out.push_str(": ");
                write(out, item, depth.saturating_add(1));
            }
            indent(out, depth);
            out.push('}');
        }
    }
}

impl Value {
    /// The value, pretty-printed.
    pub(crate) fn to_pretty(&self) -> String {
        let mut out = String::new();
        write(&mut out, self, 0);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_and_layout_is_serde_jsons() {
        let v = obj! {
            "a" => "q\"b\\s\n\u{1}\u{7f}é",
            "n" => Option::<u64>::None,
            "list" => vec![Value::from(1u64), Value::from(true)],
            "empty" => Vec::<Value>::new(),
        };
        assert_eq!(
            v.to_pretty(),
            "{\n  \"a\": \"q\\\"b\\\\s\\n\\u0001\u{7f}é\",\n  \"n\": null,\n  \"list\": [\n    1,\n    true\n  ],\n  \"empty\": []\n}"
        );
    }
}
