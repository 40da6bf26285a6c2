import Foundation
import PostgresNIO
import SyncKit

/// Rows in COPY's text format: tab-separated, one line per row, `\N` for NULL, backslash escapes. Decimals go in as
/// the API's text (a `numeric` column parses them exactly), counts as digits, rates as the shortest text that reads
/// back as the same double.
enum PostgresCopyText {
    static func encode(_ rows: [[Value]]) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: rows.count * (rows.first?.count ?? 1) * 8)
        for row in rows {
            for (index, value) in row.enumerated() {
                if index > 0 { buffer.writeInteger(UInt8(ascii: "\t")) }
                write(value, into: &buffer)
            }
            buffer.writeInteger(UInt8(ascii: "\n"))
        }
        return buffer
    }

    /// A value as COPY reads it: NULL as `\N`, every other value as its text (PostgreSQL reads `true`/`false`, and a
    /// rate's `nan`, `inf` and `-inf` into numeric).
    static func write(_ value: Value, into buffer: inout ByteBuffer) {
        switch value {
        case .null: buffer.writeStaticString("\\N")
        case .json(let text):
            // jsonb refuses the escape \u0000 (text cannot hold NUL); U+FFFD stands in for it, as in text columns.
            writeEscaped(text.contains("\\u0000") ? text.replacingOccurrences(of: "\\u0000", with: "\\ufffd") : text, into: &buffer)
        default: writeEscaped(value.text ?? "", into: &buffer)
        }
    }

    /// The text with COPY's escapes; NUL, which PostgreSQL text cannot hold, becomes U+FFFD.
    static func writeEscaped(_ text: String, into buffer: inout ByteBuffer) {
        var text = text
        text.withUTF8 { bytes in
            guard bytes.contains(where: { $0 == 92 || $0 == 10 || $0 == 13 || $0 == 9 || $0 == 0 }) else {
                buffer.writeBytes(bytes)
                return
            }
            for byte in bytes {
                switch byte {
                case 92: buffer.writeStaticString("\\\\")
                case 10: buffer.writeStaticString("\\n")
                case 13: buffer.writeStaticString("\\r")
                case 9: buffer.writeStaticString("\\t")
                case 0: buffer.writeBytes([0xEF, 0xBF, 0xBD])
                default: buffer.writeInteger(byte)
                }
            }
        }
    }
}
