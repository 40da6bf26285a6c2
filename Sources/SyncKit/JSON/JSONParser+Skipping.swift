extension JSONParser.Reader {
    /// Checks one value as `parseValue` would (same errors, at the same offsets) and moves past it, building nothing.
    package mutating func skipValue(depth: Int) throws(JSONParseError) {
        guard depth < 512 else { throw error("nesting too deep") }
        skipWhitespace()
        guard index < bytes.count else { throw error("unexpected end of data") }
        switch bytes[index] {
        case UInt8(ascii: "{"): try skipObject(depth: depth)
        case UInt8(ascii: "["): try skipArray(depth: depth)
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "t"): try expectLiteral("true")
        case UInt8(ascii: "f"): try expectLiteral("false")
        case UInt8(ascii: "n"): try expectLiteral("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): _ = try scanNumber()
        default: throw error("unexpected character")
        }
    }

    mutating func skipString() throws(JSONParseError) {
        let quote = index
        index += 1
        while index < bytes.count {
            let c = bytes[index]
            if c == UInt8(ascii: "\"") { index += 1; return }
            if c == UInt8(ascii: "\\") {
                // Escapes are rare: let the parser check them.
                index = quote
                _ = try parseString()
                return
            }
            if c < 0x20 { throw error("control character in a string") }
            index += 1
        }
        throw error("unterminated string")
    }

    mutating func skipObject(depth: Int) throws(JSONParseError) {
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a member name") }
            try skipString()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':'") }
            index += 1
            try skipValue(depth: depth + 1)
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of data in an object") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "}") { index += 1; return }
            throw error("expected ',' or '}'")
        }
    }

    /// Skips an array (at `[`), counting its elements and noting the first that is not an object.
    @discardableResult
    mutating func skipArray(depth: Int) throws(JSONParseError) -> (count: Int, firstNonObject: Int?) {
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return (0, nil) }
        var count = 0
        var firstNonObject: Int?
        while true {
            guard depth + 1 < 512 else { throw error("nesting too deep") }
            skipWhitespace()
            if firstNonObject == nil, index < bytes.count, bytes[index] != UInt8(ascii: "{") { firstNonObject = count }
            try skipValue(depth: depth + 1)
            count += 1
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of data in an array") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "]") { index += 1; return (count, firstNonObject) }
            throw error("expected ',' or ']'")
        }
    }

    /// `parseValue`, except that the array at `path` (the first member of each name, from here) is only checked,
    /// and where it lies is put in `found`.
    mutating func parseValue(depth: Int, deferring path: ArraySlice<String>,
                             found: inout (range: Range<Int>, depth: Int, count: Int, firstNonObject: Int?)?) throws(JSONParseError) -> JSONValue {
        guard depth < 512 else { throw error("nesting too deep") }
        skipWhitespace()
        guard index < bytes.count else { throw error("unexpected end of data") }
        guard let name = path.first else {
            guard bytes[index] == UInt8(ascii: "[") else { return try parseValue(depth: depth) }
            let start = index
            let (count, firstNonObject) = try skipArray(depth: depth)
            found = (start..<index, depth, count, firstNonObject)
            return .array([])
        }
        guard bytes[index] == UInt8(ascii: "{") else { return try parseValue(depth: depth) }
        var followed = false
        return try parseObject(depth: depth) { reader, key throws(JSONParseError) in
            guard !followed, key == name else { return try reader.parseValue(depth: depth + 1) }
            followed = true
            return try reader.parseValue(depth: depth + 1, deferring: path.dropFirst(), found: &found)
        }
    }

    /// A member name (at its opening quote): its bytes when it has no escape (most do), else its decoded text.
    package mutating func scanMemberName() throws(JSONParseError) -> JSONMemberName {
        let quote = index
        index += 1
        while index < bytes.count {
            let c = bytes[index]
            if c == UInt8(ascii: "\"") {
                index += 1
                return .plain(quote + 1..<index - 1)
            }
            if c == UInt8(ascii: "\\") {
                index = quote
                return .decoded(try parseString())
            }
            if c < 0x20 { throw error("control character in a string") }
            index += 1
        }
        throw error("unterminated string")
    }

    /// The text of a member name.
    package func text(of name: JSONMemberName) -> String {
        switch name {
        case .plain(let range): String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        case .decoded(let text): text
        }
    }

    /// Whether a member name is `literal` (ASCII).
    package func name(_ name: JSONMemberName, is literal: StaticString) -> Bool {
        switch name {
        case .plain(let range):
            guard range.count == literal.utf8CodeUnitCount else { return false }
            let start = literal.utf8Start
            for i in 0..<range.count where bytes[range.lowerBound + i] != start[i] { return false }
            return true
        case .decoded(let text):
            return text == literal.description
        }
    }
}

/// A member name as read by `JSONParser.Reader.scanMemberName`.
package enum JSONMemberName {
    /// The name's bytes, between its quotes (no escape in it).
    case plain(Range<Int>)
    /// A name with escapes, decoded.
    case decoded(String)
}
