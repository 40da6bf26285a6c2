/// A parsed FieldMask such as `spreadsheetId,sheets.properties(sheetId,gridProperties(rowCount))`.
package struct SheetsFakeFieldMask: Sendable, Hashable {
    /// Selected children; empty means "the whole value".
    package var children: [String: SheetsFakeFieldMask] = [:]

    package init(children: [String: SheetsFakeFieldMask] = [:]) { self.children = children }

    /// `nil` when the text is malformed.
    package static func parse(_ text: String) -> SheetsFakeFieldMask? {
        var parser = Parser(chars: Array(text.filter { !$0.isWhitespace }))
        guard let mask = parser.list(), parser.position == parser.chars.count else { return nil }
        return mask
    }

    /// Leaf paths, e.g. `["title", "gridProperties.rowCount"]`; `*` is kept as `*`.
    package var paths: [String] {
        children.sorted { $0.key < $1.key }.flatMap { key, child in
            child.children.isEmpty ? [key] : child.paths.map { key + "." + $0 }
        }
    }

    /// Keeps only the selected fields of `json` (arrays are filtered element by element).
    package func apply(to json: SheetsFakeJSON) -> SheetsFakeJSON {
        if children.isEmpty || children["*"] != nil { return json }
        switch json {
        case .object(let pairs):
            return .object(pairs.compactMap { key, value in children[key].map { (key, $0.apply(to: value)) } })
        case .array(let items):
            return .array(items.map { apply(to: $0) })
        default:
            return json
        }
    }

    private struct Parser {
        var chars: [Character]
        var position = 0

        mutating func list() -> SheetsFakeFieldMask? {
            var mask = SheetsFakeFieldMask()
            repeat {
                guard let (name, child) = item() else { return nil }
                mask.merge(name, child)
            } while consume(",")
            return mask
        }

        mutating func item() -> (String, SheetsFakeFieldMask)? {
            var name = ""
            while position < chars.count, chars[position].isLetter || chars[position].isNumber || chars[position] == "_"
                || chars[position] == "*"
            {
                name.append(chars[position])
                position += 1
            }
            guard !name.isEmpty else { return nil }
            if consume(".") {
                guard let (childName, child) = item() else { return nil }
                var mask = SheetsFakeFieldMask()
                mask.merge(childName, child)
                return (name, mask)
            }
            if consume("(") {
                guard let inner = list(), consume(")") else { return nil }
                return (name, inner)
            }
            return (name, SheetsFakeFieldMask())
        }

        mutating func consume(_ c: Character) -> Bool {
            guard position < chars.count, chars[position] == c else { return false }
            position += 1
            return true
        }
    }

    private mutating func merge(_ name: String, _ child: SheetsFakeFieldMask) {
        if let existing = children[name] {
            if existing.children.isEmpty || child.children.isEmpty {
                children[name] = SheetsFakeFieldMask()
            } else {
                var merged = existing
                for (k, v) in child.children { merged.merge(k, v) }
                children[name] = merged
            }
        } else {
            children[name] = child
        }
    }
}
