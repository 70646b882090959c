from hypothesis import given
from hypothesis import strategies as st

from xner.translate.words import detokenize, split_words


def test_regex_splitter_english_clitics_numbers_abbreviations():
    text = "The U.S. didn't pay $1,000.50 to Obama's (so-called) friends!"
    assert split_words(text, "regex", "en") == [
        "The", "U.S.", "did", "n't", "pay", "$", "1,000.50", "to", "Obama", "'s", "(", "so-called", ")",
        "friends", "!",
    ]


def test_regex_splitter_keeps_combining_marks_in_words():
    # Devanagari vowel signs are combining marks: a \w-only regex would cut these words apart.
    assert split_words("नमस्ते दुनिया!", "regex") == ["नमस्ते", "दुनिया", "!"]
    assert split_words("Ààrẹ orílẹ̀-èdè", "regex") == ["Ààrẹ", "orílẹ̀-èdè"]


def test_clitics_only_split_for_english():
    assert split_words("l'Europa", "regex", "it") == ["l'Europa"]
    assert split_words("Obama's", "regex", "en") == ["Obama", "'s"]


def test_chars_splitter_one_word_per_cjk_character():
    assert split_words("香港著名的 Apple 公司2024年", "chars") == [
        "香", "港", "著", "名", "的", "Apple", "公", "司", "2024", "年",
    ]


def test_whitespace_splitter():
    assert split_words(" a  b,c ", "whitespace") == ["a", "b,c"]


def test_detokenize():
    assert detokenize(["Hello", ",", "world", "(", "yes", ")", "."]) == "Hello, world (yes)."
    assert detokenize(["[", "Barack", "Obama", "]", "did", "n't", "go"]) == "[Barack Obama] didn't go"
    assert detokenize(["香", "港", "Apple"], "chars") == "香港Apple"
    assert detokenize(["a", "", "b"]) == "a b"


@given(st.text(alphabet=st.sampled_from(list("abcXYZ019 .,;:!?()[]'-$é香港")), max_size=40))
def test_split_detokenize_split_is_stable(text):
    # Detokenising the words of a text and splitting again gives the same words.
    for splitter in ("regex", "chars"):
        words = split_words(text, splitter, "en")
        assert split_words(detokenize(words, splitter), splitter, "en") == words
