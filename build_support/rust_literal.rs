//! A serde serializer that writes a value as a Rust expression that builds it again
//! (`Scenario { id: String::from("..."), steps: vec![...] }`), for `build.rs`: the data files
//! are read at build time and compiled in as values. It knows the data formats' conventions:
//! enums are `rename_all = "snake_case"` (the variant name is turned back into CamelCase),
//! structs and fields keep their Rust names, text is `String`, lists are `Vec`.

use serde::ser::{self, Serialize};
use std::fmt::{self, Display};

#[derive(Debug)]
pub struct Error(String);

impl Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

/// The Rust expression for `value`.
pub fn to_rust<T: Serialize>(value: &T) -> Result<String, Error> {
    let mut out = Writer { out: String::new() };
    value.serialize(&mut out)?;
    Ok(out.out)
}

fn camel(variant: &str) -> String {
    variant
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

struct Writer {
    out: String,
}

/// A struct or struct variant being written (`Name { a: .., b: .. }`), or a list (`vec![..]`).
struct Compound<'a> {
    w: &'a mut Writer,
    close: &'static str,
}

type R = Result<(), Error>;

impl<'a> ser::Serializer for &'a mut Writer {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Compound<'a>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Compound<'a>;

    fn serialize_bool(self, v: bool) -> R {
        self.out.push_str(if v { "true" } else { "false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> R {
        self.serialize_i64(v.into())
    }
    fn serialize_i16(self, v: i16) -> R {
        self.serialize_i64(v.into())
    }
    fn serialize_i32(self, v: i32) -> R {
        self.serialize_i64(v.into())
    }
    fn serialize_i64(self, v: i64) -> R {
        self.out.push_str(&v.to_string());
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> R {
        self.serialize_u64(v.into())
    }
    fn serialize_u16(self, v: u16) -> R {
        self.serialize_u64(v.into())
    }
    fn serialize_u32(self, v: u32) -> R {
        self.serialize_u64(v.into())
    }
    fn serialize_u64(self, v: u64) -> R {
        self.out.push_str(&v.to_string());
        Ok(())
    }
    fn serialize_f32(self, _: f32) -> R {
        Err(Error("no floats in the data files".into()))
    }
    fn serialize_f64(self, _: f64) -> R {
        Err(Error("no floats in the data files".into()))
    }
    fn serialize_char(self, v: char) -> R {
        self.out.push_str(&format!("{v:?}"));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> R {
        self.out.push_str(&format!("String::from({v:?})"));
        Ok(())
    }
    fn serialize_bytes(self, _: &[u8]) -> R {
        Err(Error("no bytes in the data files".into()))
    }
    fn serialize_none(self) -> R {
        self.out.push_str("None");
        Ok(())
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> R {
        self.out.push_str("Some(");
        value.serialize(&mut *self)?;
        self.out.push(')');
        Ok(())
    }
    fn serialize_unit(self) -> R {
        self.out.push_str("()");
        Ok(())
    }
    fn serialize_unit_struct(self, name: &'static str) -> R {
        self.out.push_str(name);
        Ok(())
    }
    fn serialize_unit_variant(self, name: &'static str, _: u32, variant: &'static str) -> R {
        self.out.push_str(&format!("{name}::{}", camel(variant)));
        Ok(())
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(self, name: &'static str, value: &T) -> R {
        self.out.push_str(name);
        self.out.push('(');
        value.serialize(&mut *self)?;
        self.out.push(')');
        Ok(())
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> R {
        self.out.push_str(&format!("{name}::{}(", camel(variant)));
        value.serialize(&mut *self)?;
        self.out.push(')');
        Ok(())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Compound<'a>, Error> {
        self.out.push_str("vec![");
        Ok(Compound {
            w: self,
            close: "]",
        })
    }
    fn serialize_tuple(self, _: usize) -> Result<Compound<'a>, Error> {
        self.out.push('(');
        Ok(Compound {
            w: self,
            close: ")",
        })
    }
    fn serialize_tuple_struct(self, name: &'static str, _: usize) -> Result<Compound<'a>, Error> {
        self.out.push_str(name);
        self.out.push('(');
        Ok(Compound {
            w: self,
            close: ")",
        })
    }
    fn serialize_tuple_variant(
        self,
        name: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'a>, Error> {
        self.out.push_str(&format!("{name}::{}(", camel(variant)));
        Ok(Compound {
            w: self,
            close: ")",
        })
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Compound<'a>, Error> {
        Err(Error("no maps in the data files".into()))
    }
    fn serialize_struct(self, name: &'static str, _: usize) -> Result<Compound<'a>, Error> {
        self.out.push_str(name);
        self.out.push_str(" { ");
        Ok(Compound {
            w: self,
            close: "}",
        })
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'a>, Error> {
        self.out
            .push_str(&format!("{name}::{} {{ ", camel(variant)));
        Ok(Compound {
            w: self,
            close: "}",
        })
    }
}

impl Compound<'_> {
    fn element<T: ?Sized + Serialize>(&mut self, value: &T) -> R {
        value.serialize(&mut *self.w)?;
        self.w.out.push_str(", ");
        Ok(())
    }
    fn field<T: ?Sized + Serialize>(&mut self, key: &'static str, value: &T) -> R {
        self.w.out.push_str(key);
        self.w.out.push_str(": ");
        self.element(value)
    }
    fn finish(self) -> R {
        self.w.out.push_str(self.close);
        Ok(())
    }
}

impl ser::SerializeSeq for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> R {
        self.element(value)
    }
    fn end(self) -> R {
        self.finish()
    }
}

impl ser::SerializeTuple for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> R {
        self.element(value)
    }
    fn end(self) -> R {
        self.finish()
    }
}

impl ser::SerializeTupleStruct for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> R {
        self.element(value)
    }
    fn end(self) -> R {
        self.finish()
    }
}

impl ser::SerializeTupleVariant for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> R {
        self.element(value)
    }
    fn end(self) -> R {
        self.finish()
    }
}

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, _: &T) -> R {
        Err(Error("no maps in the data files".into()))
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, _: &T) -> R {
        Err(Error("no maps in the data files".into()))
    }
    fn end(self) -> R {
        self.finish()
    }
}

impl ser::SerializeStruct for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, key: &'static str, value: &T) -> R {
        self.field(key, value)
    }
    fn end(self) -> R {
        self.finish()
    }
}

impl ser::SerializeStructVariant for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, key: &'static str, value: &T) -> R {
        self.field(key, value)
    }
    fn end(self) -> R {
        self.finish()
    }
}
