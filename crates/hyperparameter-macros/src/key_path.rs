//! The grammar of a key as written in a macro: `a.b`, `model.type`, `layers.0.size`,
//! `with-dash.x`, or a string literal `"any.key"`.
//!
//! Rust's lexer does not see a key as one token, so the key is rebuilt from the tokens that
//! spell it. Two lexer quirks matter: keywords are identifiers to a proc macro (so `type` and
//! `async` are ordinary segments), and `0.1` in `layers.0.1` arrives as one float literal whose
//! text already holds the dot. Whether the text is a valid key is decided later, in
//! [`crate::validate`], so that every rule lives in one place (`hyperparameter_key`).

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitFloat, LitInt, LitStr, Token};

/// A key as written, not yet validated.
pub struct KeyPath {
    /// The key text rebuilt from the tokens.
    pub text: String,
    /// The tokens that spell the key, kept for error spans.
    pub tokens: TokenStream,
}

impl KeyPath {
    /// Where the key starts, for the `Key` literal the expansion emits.
    pub fn span(&self) -> Span {
        self.tokens
            .clone()
            .into_iter()
            .next()
            .map_or_else(Span::call_site, |token| token.span())
    }
}

impl Parse for KeyPath {
    fn parse(input: ParseStream) -> syn::Result<KeyPath> {
        if input.peek(LitStr) {
            let literal: LitStr = input.parse()?;
            return Ok(KeyPath {
                text: literal.value(),
                tokens: literal.to_token_stream(),
            });
        }
        let mut text = String::new();
        let mut tokens = TokenStream::new();
        loop {
            parse_part(input, &mut text, &mut tokens)?;
            // `..` is taken as two separators so that `a..b` reaches validation and is
            // reported as an empty segment, like the same key written as a string.
            if input.peek(Token![..]) && !input.peek(Token![...]) && !input.peek(Token![..=]) {
                let dots: Token![..] = input.parse()?;
                text.push_str("..");
                dots.to_tokens(&mut tokens);
            } else if input.peek(Token![.]) && !input.peek(Token![..]) {
                let dot: Token![.] = input.parse()?;
                text.push('.');
                dot.to_tokens(&mut tokens);
            } else if input.peek(Token![-]) && !input.peek(Token![->]) && !input.peek(Token![-=]) {
                let dash: Token![-] = input.parse()?;
                text.push('-');
                dash.to_tokens(&mut tokens);
            } else {
                break;
            }
        }
        Ok(KeyPath { text, tokens })
    }
}

/// One piece of a segment: an identifier or keyword, or a number. A float literal such as
/// `0.1` brings its own dot, which is what the user wrote between the two segments.
fn parse_part(input: ParseStream, text: &mut String, tokens: &mut TokenStream) -> syn::Result<()> {
    if input.peek(Ident::peek_any) {
        let ident = Ident::parse_any(input)?;
        text.push_str(&ident.unraw().to_string());
        ident.to_tokens(tokens);
    } else if input.peek(LitInt) {
        let number: LitInt = input.parse()?;
        text.push_str(&number.to_string());
        number.to_tokens(tokens);
    } else if input.peek(LitFloat) {
        let number: LitFloat = input.parse()?;
        text.push_str(&number.to_string());
        number.to_tokens(tokens);
    } else {
        return Err(input.error(
            "expected a key segment (an identifier, keyword or number), \
             or the whole key as a string literal such as \"a.b\"",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(source: &str) -> String {
        syn::parse_str::<KeyPath>(source).unwrap().text
    }

    #[test]
    fn rebuilds_the_key_text_from_tokens() {
        assert_eq!(key("a.b"), "a.b");
        assert_eq!(key("model.type"), "model.type");
        assert_eq!(key("layers.0.size"), "layers.0.size");
        assert_eq!(key("layers.0.1"), "layers.0.1");
        assert_eq!(key("layers.0.1.size"), "layers.0.1.size");
        assert_eq!(key("with-dash.x"), "with-dash.x");
        assert_eq!(key("r#fn.x"), "fn.x");
        assert_eq!(key("\"a b.c\""), "a b.c");
        assert_eq!(key("a..b"), "a..b");
    }

    #[test]
    fn stops_before_what_follows_the_key() {
        let split = |input: ParseStream| {
            let key: KeyPath = input.parse()?;
            let rest: TokenStream = input.parse()?;
            Ok((key.text, rest.to_string()))
        };
        let parse = |source| syn::parse::Parser::parse_str(split, source).unwrap();
        assert_eq!(parse("a.b = 1"), ("a.b".to_string(), "= 1".to_string()));
        assert_eq!(parse("a.or or 1"), ("a.or".to_string(), "or 1".to_string()));
        assert_eq!(parse("a.b -= 1"), ("a.b".to_string(), "-= 1".to_string()));
        assert!(syn::parse_str::<KeyPath>("= 1").is_err());
        assert!(syn::parse_str::<KeyPath>("a.").is_err());
    }
}
