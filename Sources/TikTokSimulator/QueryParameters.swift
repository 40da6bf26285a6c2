import Foundation

/// Decoded query-string parameters with typed getters that fail with TikTok-style 40002 messages.
struct QueryParameters: Sendable {
    private(set) var values: [String: String] = [:]

    init(_ values: [String: String]) {
        self.values = values
    }

    /// Parses a raw query string (`a=1&b=%5B%5D`); `+` means space; the last duplicate wins.
    init(query: String?) {
        guard let query, !query.isEmpty else { return }
        for part in query.split(separator: "&", omittingEmptySubsequences: true) {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = QueryParameters.decode(pieces[0])
            let value = pieces.count > 1 ? QueryParameters.decode(pieces[1]) : ""
            values[key] = value
        }
    }

    static func decode(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var it = Array(text.utf8)[...]
        while let c = it.popFirst() {
            if c == 43 {
                bytes.append(32)
            } else if c == 37, it.count >= 2, let hi = hex(it[it.startIndex]), let lo = hex(it[it.startIndex + 1]) {
                bytes.append(hi << 4 | lo)
                it = it.dropFirst(2)
            } else {
                bytes.append(c)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: return c - 48
        case 65...70: return c - 55
        case 97...102: return c - 87
        default: return nil
        }
    }

    subscript(_ name: String) -> String? { values[name] }

    func required(_ name: String) throws(APIError) -> String {
        guard let v = values[name], !v.isEmpty else { throw .missing(name) }
        return v
    }

    func int(_ name: String, default def: Int, range: ClosedRange<Int>) throws(APIError) -> Int {
        guard let text = values[name] else { return def }
        guard let v = Int(text.trimmingCharacters(in: .whitespaces)) else { throw .invalid(name, "Not a valid integer.") }
        guard range.contains(v) else {
            throw .invalid(
                name,
                "Must be greater than or equal to \(range.lowerBound) and less than or equal to \(range.upperBound).")
        }
        return v
    }

    func bool(_ name: String) throws(APIError) -> Bool? {
        guard let text = values[name] else { return nil }
        switch text.lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default: throw .invalid(name, "Not a valid boolean.")
        }
    }

    /// A JSON-encoded value (array or object) in the query.
    func json(_ name: String) throws(APIError) -> Any? {
        guard let text = values[name] else { return nil }
        return try QueryParameters.parseJSON(text, name: name)
    }

    static func parseJSON(_ text: String, name: String) throws(APIError) -> Any {
        guard let data = text.data(using: .utf8),
            let v = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        else { throw .invalid(name, "Invalid JSON string.") }
        return v
    }

    /// A JSON array of strings, e.g. `["a","b"]`.
    func stringArray(_ name: String, maxCount: Int? = nil) throws(APIError) -> [String]? {
        guard let v = try json(name) else { return nil }
        return try QueryParameters.strings(v, name: name, maxCount: maxCount)
    }

    static func strings(_ v: Any, name: String, maxCount: Int? = nil) throws(APIError) -> [String] {
        guard let list = v as? [Any] else { throw .invalid(name, "Not a valid list.") }
        var out: [String] = []
        out.reserveCapacity(list.count)
        for item in list {
            if let s = item as? String {
                out.append(s)
            } else if let n = item as? NSNumber, !(item is Bool), isIntegral(n) {
                out.append(n.stringValue)
            } else {
                throw .invalid(name, "Not a valid string.")
            }
        }
        if let maxCount, out.count > maxCount {
            throw .invalid(name, "Length must be between 1 and \(maxCount).")
        }
        return out
    }

    /// A JSON object, e.g. `{"secondary_status":"CAMPAIGN_STATUS_ALL"}`.
    func object(_ name: String) throws(APIError) -> [String: Any]? {
        guard let v = try json(name) else { return nil }
        guard let o = v as? [String: Any] else { throw .invalid(name, "Not a valid mapping type.") }
        return o
    }

    /// Every parameter except `page`, sorted: identifies one paged listing.
    var listingKey: String {
        values.filter { $0.key != "page" }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            .joined(separator: "&")
    }
}

/// Lets `NSNumber` integer checks compile on both Darwin and Linux Foundation.
@inline(__always)
func isIntegral(_ n: NSNumber) -> Bool {
    let d = n.doubleValue
    return d == d.rounded() && abs(d) < 1e18
}
