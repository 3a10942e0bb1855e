//! TOML into the configuration tree, using the `toml` crate's spanned document parser.
//!
//! TOML's own dotted keys (`train.lr = 1`) already nest; a quoted key with dots
//! (`"train.lr" = 1`) nests too (SPEC §6). Dates and times are kept as their TOML text.

use std::sync::Arc;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::limits::MAX_DEPTH;
use super::origin::{LineIndex, Origin};
use super::tree::{insert, too_deep, Kind, Node, NodeMap};
use crate::{Result, Value};

/// Parses a TOML document into a map node.
pub(crate) fn parse(text: &str, file: &Arc<str>) -> Result<Node> {
    let lines = LineIndex::new(text);
    let document = DeTable::parse(text).map_err(|err| {
        let (line, col) = err.span().map_or((0, 0), |span| lines.position(span.start));
        Origin::file(file, line, col).error(err.message().trim_end())
    })?;
    let builder = Builder { lines, file };
    let origin = builder.origin(document.span().start);
    let map = builder.table(document.get_ref(), 0)?;
    Ok(Node::new(Kind::Map(map), origin))
}

struct Builder<'a> {
    lines: LineIndex<'a>,
    file: &'a Arc<str>,
}

impl Builder<'_> {
    fn origin(&self, offset: usize) -> Origin {
        let (line, col) = self.lines.position(offset);
        Origin::file(self.file, line, col)
    }

    fn table(&self, table: &DeTable<'_>, depth: usize) -> Result<NodeMap> {
        let mut map = NodeMap::new();
        for (key, value) in table.iter() {
            let key_origin = self.origin(key.span().start);
            let node = self.value(value, depth + 1)?;
            insert(&mut map, key.get_ref(), node, &key_origin, depth)?;
        }
        Ok(map)
    }

    fn value(&self, value: &Spanned<DeValue<'_>>, depth: usize) -> Result<Node> {
        let origin = self.origin(value.span().start);
        let kind = match value.get_ref() {
            DeValue::String(text) => Kind::Text(Arc::from(text.as_ref())),
            DeValue::Integer(integer) => {
                let parsed = i64::from_str_radix(integer.as_str(), integer.radix());
                match parsed {
                    Ok(i) => Kind::Scalar(Value::Int(i)),
                    Err(_) => {
                        return Err(origin.error(format!(
                            "integer {integer} does not fit in 64 bits (write it as a string or \
                             a float)"
                        )))
                    }
                }
            }
            DeValue::Float(float) => match float.as_str().parse::<f64>() {
                Ok(x) => Kind::Scalar(Value::Float(x)),
                Err(_) => return Err(origin.error(format!("invalid float {float}"))),
            },
            DeValue::Boolean(b) => Kind::Scalar(Value::Bool(*b)),
            DeValue::Datetime(datetime) => Kind::Text(Arc::from(datetime.to_string())),
            DeValue::Array(items) => {
                if depth >= MAX_DEPTH {
                    return Err(too_deep(&origin));
                }
                Kind::List(
                    items
                        .iter()
                        .map(|item| self.value(item, depth + 1))
                        .collect::<Result<_>>()?,
                )
            }
            DeValue::Table(table) => {
                if depth >= MAX_DEPTH {
                    return Err(too_deep(&origin));
                }
                Kind::Map(self.table(table, depth)?)
            }
        };
        Ok(Node::new(kind, origin))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toml(text: &str) -> Result<Node> {
        parse(text, &Arc::from("t.toml"))
    }

    #[test]
    fn types_dotted_keys_and_positions() {
        let text = "\"train.lr\" = 0.1\nname = \"x\"\n[train]\nepochs = 0x10\n\
                    [[layers]]\nsize = 2\n[when]\nday = 2024-01-02\n";
        let node = toml(text).unwrap();
        assert_eq!(
            node.to_value().to_string(),
            r#"{"train": {"lr": 0.1, "epochs": 16}, "name": "x", "layers": [{"size": 2}], "when": {"day": "2024-01-02"}}"#
        );
        let Kind::Map(map) = &node.kind else {
            panic!("not a map")
        };
        let Kind::Map(train) = &map["train"].kind else {
            panic!("not a map")
        };
        assert_eq!(train["lr"].origin.to_string(), "t.toml:1:14");
        assert_eq!(train["epochs"].origin.to_string(), "t.toml:4:10");
    }

    #[test]
    fn errors_name_line_and_column() {
        let err = toml("a = 1\nb = \n").unwrap_err().to_string();
        assert!(err.starts_with("t.toml:2:5: "), "{err}");
        let err = toml("a = 1\na = 2\n").unwrap_err().to_string();
        assert!(err.starts_with("t.toml:2:1: duplicate key"), "{err}");
        let err = toml("\"a.b\" = 1\n[a]\nb = 2\n").unwrap_err().to_string();
        assert!(err.contains("given twice"), "{err}");
    }
}
