//! Reading an invitation CSV: encoding, delimiter, header row, mapping, preview, validation.
