import Testing
import SyncKit
import TikTokAds

struct JSONParserTests {
    @Test func parsesNestedDocumentsAndKeepsNumbersExact() throws {
        let value = try JSONParser.parse(#"{"code":0,"data":{"list":[{"id":1714125042508817123,"spend":"20.00","ok":true,"n":null,"x":-1.5e3}]}}"#)
        let item = try #require(value["data"]?["list"]?.arrayValue?.first)
        #expect(item["id"] == .number("1714125042508817123"))
        #expect(item["spend"] == .string("20.00"))
        #expect(item["ok"] == .bool(true))
        #expect(item["n"] == .null)
        #expect(item["x"] == .number("-1.5e3"))
    }

    @Test func decodesEscapesAndUnicode() throws {
        let value = try JSONParser.parse(#""a\"b\\c\/d\n\u00e9\ud83d\ude00""#)
        #expect(value == .string("a\"b\\c/d\né😀"))
        #expect(try JSONParser.parse("\"h\u{e9}llo\"") == .string("héllo"))
    }

    @Test(arguments: [
        #"{"code":0,"data":{"list":[{"a":"#,
        #"{"code":0"#,
        #"[1,2,]"#,
        #"{"a" 1}"#,
        #"01"#,
        #"{"a":1} x"#,
        #""unterminated"#,
        #"tru"#,
        "",
    ])
    func rejectsInvalidOrTruncatedDocuments(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    @Test func serialisesBackToCompactJSON() throws {
        let text = #"{"a":[1,"x\"y",{"b":null}],"c":false}"#
        #expect(try JSONParser.parse(text).jsonText == text)
    }
}
