import SyncKit

/// Why an answer with `code: 0` is not what the API documents (e.g. `data` is null, `list` is not an array).
public struct MalformedAnswer: Error, Sendable, Equatable {
    public var reason: String

    public init(_ reason: String) { self.reason = reason }
}

/// One page of a listing: `data.list` (objects) and, for paged endpoints, `data.page_info`
/// (`{page, page_size, total_number, total_page}`, all integers).
public struct ListingPage: Sendable {
    /// The items as parsed values, or still as the answer's bytes (a page to be read straight into rows).
    public enum Items: Sendable {
        case parsed([JSONValue])
        case raw(RawJSONArray)
    }

    public var storage: Items
    /// `page_info.total_page`; nil for endpoints without paging (`advertiser/info`, `oauth2/advertiser/get`).
    public var totalPages: Int?
    /// `page_info.total_number`, the rows of the whole listing, when the answer gives it.
    public var totalNumber: Int?

    public init(items: [JSONValue], totalPages: Int?, totalNumber: Int? = nil) {
        self.init(storage: .parsed(items), totalPages: totalPages, totalNumber: totalNumber)
    }

    init(storage: Items, totalPages: Int?, totalNumber: Int?) {
        self.storage = storage
        self.totalPages = totalPages
        self.totalNumber = totalNumber
    }

    /// The items, parsed (an unparsed page is parsed on each call).
    public var items: [JSONValue] {
        switch storage {
        case .parsed(let items): items
        case .raw(let list): list.elements()
        }
    }

    public var count: Int {
        switch storage {
        case .parsed(let items): items.count
        case .raw(let list): list.count
        }
    }

    /// Checks `data` against the documented shape. An empty listing is well formed only as an empty `list`.
    /// `list`, when given, is `data.list` left unparsed (`data` then holds an empty array in its place).
    public static func decode(_ data: JSONValue, paged: Bool, list raw: RawJSONArray? = nil) -> Result<ListingPage, MalformedAnswer> {
        guard case .object = data else { return .failure(MalformedAnswer("`data` is \(kind(of: data)), not an object")) }
        guard let list = data["list"] else { return .failure(MalformedAnswer("`data.list` is missing")) }
        guard case .array(let parsedItems) = list else { return .failure(MalformedAnswer("`data.list` is \(kind(of: list)), not an array")) }
        let storage: Items
        if let raw {
            if let index = raw.firstNonObject {
                return .failure(MalformedAnswer("`data.list[\(index)]` is \(kind(of: raw.elements()[index])), not an object"))
            }
            storage = .raw(raw)
        } else {
            if let index = parsedItems.firstIndex(where: { if case .object = $0 { false } else { true } }) {
                return .failure(MalformedAnswer("`data.list[\(index)]` is \(kind(of: parsedItems[index])), not an object"))
            }
            storage = .parsed(parsedItems)
        }
        guard paged else { return .success(ListingPage(storage: storage, totalPages: nil, totalNumber: nil)) }
        guard let info = data["page_info"], case .object = info else {
            return .failure(MalformedAnswer("`data.page_info` is \(data["page_info"].map(kind(of:)) ?? "missing"), not an object"))
        }
        var numbers: [String: Int] = [:]
        for name in ["page", "total_page", "total_number"] {
            guard let member = info[name] else { continue }
            guard case .number = member, let value = member.intValue, value >= 0 else {
                return .failure(MalformedAnswer("`data.page_info.\(name)` is \(kind(of: member)), not a whole number"))
            }
            numbers[name] = value
        }
        guard let totalPages = numbers["total_page"] else { return .failure(MalformedAnswer("`data.page_info.total_page` is missing")) }
        return .success(ListingPage(storage: storage, totalPages: totalPages, totalNumber: numbers["total_number"]))
    }

    /// `advertiser/info`'s listing: every record names its advertiser as a string id, and its timezone, when
    /// present, is a string; report dates are placed in that timezone, so a record without a readable one is
    /// not taken with a guessed zone.
    public static func decodeAdvertiserInfo(_ data: JSONValue) -> Result<ListingPage, MalformedAnswer> {
        decode(data, paged: false).flatMap { page in
            for (index, record) in page.items.enumerated() {
                guard let id = record["advertiser_id"] else {
                    return .failure(MalformedAnswer("`data.list[\(index)].advertiser_id` is missing"))
                }
                guard case .string(let text) = id, !text.isEmpty else {
                    return .failure(MalformedAnswer("`data.list[\(index)].advertiser_id` is \(kind(of: id)), not a string id"))
                }
                for name in ["timezone", "display_timezone", "name", "currency"] {
                    guard let member = record[name] else { continue }
                    switch member {
                    case .string, .null: continue
                    default: return .failure(MalformedAnswer("`data.list[\(index)].\(name)` is \(kind(of: member)), not a string"))
                    }
                }
            }
            return .success(page)
        }
    }

    static func kind(of value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .number(let text): "the number \(text.prefix(20))"
        case .string(let text): "the string \"\(text.prefix(20))\""
        case .array: "an array"
        case .object: "an object"
        }
    }
}
