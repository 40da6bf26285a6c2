import Testing
import TestSupport

@Suite struct SheetsFakeA1RangeTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var text: String
        var sheet: String?
        var hasCells = true
        var single = false
        var start: (Int, Int) = (0, 0)
        var end: (Int?, Int?) = (nil, nil)
        var testDescription: String { text }
    }

    static let valid: [Case] = [
        Case(text: "Sheet1!A1:B2", sheet: "Sheet1", start: (0, 0), end: (1, 1)),
        Case(text: "Sheet1!A:A", sheet: "Sheet1", start: (0, 0), end: (nil, 0)),
        Case(text: "Sheet1!1:2", sheet: "Sheet1", start: (0, 0), end: (1, nil)),
        Case(text: "Sheet1!A5:A", sheet: "Sheet1", start: (4, 0), end: (nil, 0)),
        Case(text: "Sheet1", sheet: "Sheet1", hasCells: false),
        Case(text: "'TikTok Ads'!A1:Z", sheet: "TikTok Ads", start: (0, 0), end: (nil, 25)),
        Case(text: "'TikTok Ads 2024'!A1:Z", sheet: "TikTok Ads 2024", start: (0, 0), end: (nil, 25)),
        Case(text: "'Bob''s data'!A1", sheet: "Bob's data", single: true, start: (0, 0), end: (0, 0)),
        Case(text: "'Sheet1'!A1", sheet: "Sheet1", single: true, start: (0, 0), end: (0, 0)),
        Case(text: "'A1'!B2:C3", sheet: "A1", start: (1, 1), end: (2, 2)),
        Case(text: "'It''s ''quoted'''", sheet: "It's 'quoted'", hasCells: false),
        Case(text: "A1:B2", sheet: nil, start: (0, 0), end: (1, 1)),
        Case(text: "Sheet1!B2:A1", sheet: "Sheet1", start: (0, 0), end: (1, 1)),
        Case(text: "Sheet1!AA10:ZZ20", sheet: "Sheet1", start: (9, 26), end: (19, 701)),
        Case(text: "Sheet1!$A$1:$B$2", sheet: "Sheet1", start: (0, 0), end: (1, 1)),
    ]

    @Test(arguments: valid)
    func parsesValidRanges(_ c: Case) throws {
        let range = try #require(SheetsFakeA1Range.parse(c.text))
        #expect(range.sheetName == c.sheet)
        #expect(range.hasCells == c.hasCells)
        #expect(range.isSingleCell == c.single)
        if c.hasCells {
            #expect(range.startRow == c.start.0)
            #expect(range.startColumn == c.start.1)
            #expect(range.endRow == c.end.0)
            #expect(range.endColumn == c.end.1)
        }
    }

    @Test(arguments: ["", "'unterminated!A1", "'x'A1", "Sheet1!", "Sheet1!A0", "Sheet1!A1:B2:C3", "Sheet1!A:5", "Sheet1!AAAA1", "''!A1"])
    func rejectsInvalidRanges(_ text: String) {
        #expect(SheetsFakeA1Range.parse(text) == nil)
    }

    @Test(arguments: [(0, "A"), (25, "Z"), (26, "AA"), (701, "ZZ"), (702, "AAA"), (18_277, "ZZZ")])
    func columnLetters(_ index: Int, _ letters: String) {
        #expect(SheetsFakeA1Range.columnLetters(index) == letters)
    }

    @Test(arguments: [
        ("Sheet1", "Sheet1"), ("TikTok Ads", "'TikTok Ads'"), ("Bob's data", "'Bob''s data'"), ("A1", "'A1'"),
        ("tiktok_ads_campaigns", "tiktok_ads_campaigns"), ("2024", "'2024'"),
    ])
    func quotesTitlesForResponses(_ title: String, _ expected: String) {
        #expect(SheetsFakeA1Range.quoteIfNeeded(title) == expected)
    }
}
