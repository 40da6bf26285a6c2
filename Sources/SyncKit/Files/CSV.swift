import Foundation

/// RFC 4180 CSV: records of fields separated by commas, CRLF line ends; a field with a comma, quote or line break
/// is quoted (quotes doubled, line breaks kept). NULL is an empty field and an empty text a quoted one (`""`), so
/// the two read back apart.
public enum CSV {
    /// One record with its CRLF.
    public static func line(_ fields: [String?]) -> String {
        fields.map { field -> String in
            guard let field else { return "" }
            guard field.isEmpty || field.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else { return field }
            return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }.joined(separator: ",") + "\r\n"
    }

    /// Every record of `text` (line ends CRLF, LF or CR); an unquoted empty field is nil, a quoted one "". Nil when
    /// the text ends inside a quoted field (a file cut short).
    public static func records(_ text: String) -> [[String?]]? {
        let bytes = Array(text.utf8)
        var records: [[String?]] = [], record: [String?] = [], field: [UInt8] = [], quoted = false
        func endField() {
            record.append(quoted || !field.isEmpty ? String(decoding: field, as: UTF8.self) : nil)
            field = []
            quoted = false
        }
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            i += 1
            if byte == 0x22, field.isEmpty, !quoted {
                quoted = true
                while true {
                    guard i < bytes.count else { return nil }
                    let next = bytes[i]
                    i += 1
                    if next == 0x22 {
                        guard i < bytes.count, bytes[i] == 0x22 else { break }
                        i += 1
                    }
                    field.append(next)
                }
            } else if byte == 0x2C {
                endField()
            } else if byte == 0x0D || byte == 0x0A {
                endField()
                records.append(record)
                record = []
                if byte == 0x0D, i < bytes.count, bytes[i] == 0x0A { i += 1 }
            } else {
                field.append(byte)
            }
        }
        if quoted || !field.isEmpty || !record.isEmpty {
            endField()
            records.append(record)
        }
        return records
    }
}
