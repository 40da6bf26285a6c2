/// A JSON array left unparsed inside a parsed document (see `JSONParser.parse(_:deferringArrayAt:)`): valid JSON,
/// checked when the document was parsed, read later by whoever needs its elements, e.g. straight into rows.
public struct RawJSONArray: Sendable {
    /// The whole document (shared, not copied).
    public let document: [UInt8]
    /// From the array's `[` to just after its `]`.
    public let range: Range<Int>
    /// The array's nesting depth in the document (the document itself is 0), for the parser's depth limit.
    public let depth: Int
    public let count: Int
    /// The index of the first element that is not an object, if any.
    public let firstNonObject: Int?

    /// The elements, parsed.
    public func elements() -> [JSONValue] {
        document.withUnsafeBufferPointer { buffer in
            var reader = JSONParser.Reader(bytes: buffer, index: range.lowerBound)
            // Checked when the document was parsed: this cannot fail.
            guard case .array(let items)? = try? reader.parseValue(depth: depth) else { preconditionFailure("a RawJSONArray holds a valid array") }
            return items
        }
    }
}
