#include "jobs/trial_filter.hpp"

#include <cctype>
#include <cmath>
#include <stdexcept>

#include "io/nwb_reader.hpp"
#include "jobs/text_values.hpp"

namespace neuropop::jobs {

namespace {

enum class Tok { Word, Quoted, Op, LParen, RParen, Comma, End };

struct Token {
    Tok kind = Tok::End;
    std::string text;
    std::size_t pos = 0; // 0-based offset in the filter text
};

bool word_char(char c) {
    const auto u = static_cast<unsigned char>(c);
    return std::isalnum(u) != 0 || c == '_' || c == '.' || c == '-' || c == '+';
}

struct SyntaxError {
    std::size_t pos;
    std::string message;
};

std::string shown(const Token& t) {
    switch (t.kind) {
    case Tok::End:
        return "the end";
    case Tok::Quoted:
        return "quoted '" + t.text + "'";
    default:
        return "'" + t.text + "'";
    }
}

std::vector<Token> tokenize(const std::string& s) {
    std::vector<Token> out;
    std::size_t i = 0;
    while (i < s.size()) {
        const char c = s[i];
        if (std::isspace(static_cast<unsigned char>(c)) != 0) {
            ++i;
            continue;
        }
        const std::size_t start = i;
        if (c == '(' || c == ')' || c == ',') {
            out.push_back({c == '('   ? Tok::LParen
                           : c == ')' ? Tok::RParen
                                      : Tok::Comma,
                           std::string(1, c), start});
            ++i;
        } else if (c == '\'' || c == '"') {
            const auto close = s.find(c, i + 1);
            if (close == std::string::npos)
                throw SyntaxError{start, std::string("quote ") + c + " is never closed"};
            out.push_back({Tok::Quoted, s.substr(i + 1, close - i - 1), start});
            i = close + 1;
        } else if (c == '=' || c == '!' || c == '<' || c == '>') {
            std::string op(1, c);
            if (i + 1 < s.size() && s[i + 1] == '=') op += '=';
            if (op == "=" || op == "!")
                throw SyntaxError{start, "unknown operator '" + op + "' (use == or !=)"};
            out.push_back({Tok::Op, op, start});
            i += op.size();
        } else if (word_char(c)) {
            while (i < s.size() && word_char(s[i]))
                ++i;
            out.push_back({Tok::Word, s.substr(start, i - start), start});
        } else {
            throw SyntaxError{start, std::string("unexpected character '") + c + "'"};
        }
    }
    out.push_back({Tok::End, "", s.size()});
    return out;
}

bool keyword(const Token& t, const char* word) {
    if (t.kind != Tok::Word) return false;
    std::string lower;
    for (char c : t.text)
        lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return lower == word;
}

bool valid_column(const std::string& name) {
    const auto first = static_cast<unsigned char>(name.front());
    return std::isdigit(first) == 0 && name.front() != '-' && name.front() != '+' &&
           name.find('+') == std::string::npos;
}

class Parser {
public:
    Parser(const std::string& text) : text_(text), tokens_(tokenize(text)) {}

    TrialFilter parse() {
        TrialFilter filter;
        if (peek().kind == Tok::End) return filter;
        for (;;) {
            filter.conditions.push_back(condition());
            if (peek().kind == Tok::End) break;
            if (!keyword(peek(), "and")) fail("'and' or the end");
            next();
        }
        return filter;
    }

private:
    const Token& peek() const { return tokens_[at_]; }
    const Token& next() { return tokens_[at_++]; }
    [[noreturn]] void fail(const std::string& expected) const {
        throw SyntaxError{peek().pos, "expected " + expected + ", found " + shown(peek())};
    }

    FilterCondition condition() {
        FilterCondition c;
        const std::size_t begin = peek().pos;
        if (peek().kind != Tok::Word || keyword(peek(), "and") || keyword(peek(), "in") ||
            keyword(peek(), "not") || !valid_column(peek().text))
            fail("a trials column name");
        c.column = next().text;
        if (keyword(peek(), "in") || keyword(peek(), "not")) {
            c.op = FilterOp::In;
            if (keyword(peek(), "not")) {
                next();
                if (!keyword(peek(), "in")) fail("'in' after 'not'");
                c.op = FilterOp::NotIn;
            }
            next();
            if (peek().kind != Tok::LParen) fail("'(' after 'in'");
            next();
            for (;;) {
                c.values.push_back(value());
                if (peek().kind == Tok::RParen) break;
                if (peek().kind != Tok::Comma) fail("',' or ')'");
                next();
            }
            next();
        } else if (peek().kind == Tok::Op) {
            const auto& op = next().text;
            c.op = op == "=="   ? FilterOp::Eq
                   : op == "!=" ? FilterOp::Ne
                   : op == "<"  ? FilterOp::Lt
                   : op == "<=" ? FilterOp::Le
                   : op == ">"  ? FilterOp::Gt
                                : FilterOp::Ge;
            c.values.push_back(value());
        } else {
            fail("an operator (in, not in, ==, !=, <, <=, >, >=) after '" + c.column + "'");
        }
        const std::size_t end =
            at_ > 0 ? tokens_[at_ - 1].pos + token_length(tokens_[at_ - 1]) : begin;
        c.text = text_.substr(begin, end - begin);
        return c;
    }

    FilterValue value() {
        if (peek().kind == Tok::Quoted) return {next().text, true};
        if (peek().kind == Tok::Word && !keyword(peek(), "and")) return {next().text, false};
        fail("a value (a bare word, 'quoted' or \"quoted\")");
    }

    static std::size_t token_length(const Token& t) {
        return t.kind == Tok::Quoted ? t.text.size() + 2 : t.text.size();
    }

    const std::string& text_;
    std::vector<Token> tokens_;
    std::size_t at_ = 0;
};

bool numeric_op(FilterOp op) {
    return op == FilterOp::Lt || op == FilterOp::Le || op == FilterOp::Gt || op == FilterOp::Ge;
}

double number_of(const FilterValue& v) {
    std::string why;
    const auto x = text::to_double(v.text, why);
    if (!x) throw std::invalid_argument("trial filter: '" + v.text + "' is not a number");
    return *x;
}

bool passes_string(const FilterCondition& c, const std::string& s) {
    bool any = false;
    for (const auto& v : c.values)
        any = any || v.text == s;
    switch (c.op) {
    case FilterOp::In:
    case FilterOp::Eq:
        return any;
    case FilterOp::NotIn:
    case FilterOp::Ne:
        return !any;
    default:
        throw std::invalid_argument("trial filter: numeric comparison on a string column");
    }
}

bool passes_number(const FilterCondition& c, const std::vector<double>& values, double x) {
    switch (c.op) {
    case FilterOp::In:
    case FilterOp::Eq:
    case FilterOp::NotIn:
    case FilterOp::Ne: {
        bool any = false;
        for (double v : values)
            any = any || x == v;
        return (c.op == FilterOp::In || c.op == FilterOp::Eq) ? any : !any;
    }
    case FilterOp::Lt:
        return x < values.front();
    case FilterOp::Le:
        return x <= values.front();
    case FilterOp::Gt:
        return x > values.front();
    case FilterOp::Ge:
        return x >= values.front();
    }
    return false;
}

} // namespace

const char* op_text(FilterOp op) {
    switch (op) {
    case FilterOp::In:
        return "in";
    case FilterOp::NotIn:
        return "not in";
    case FilterOp::Eq:
        return "==";
    case FilterOp::Ne:
        return "!=";
    case FilterOp::Lt:
        return "<";
    case FilterOp::Le:
        return "<=";
    case FilterOp::Gt:
        return ">";
    case FilterOp::Ge:
        return ">=";
    }
    return "?";
}

std::optional<TrialFilter> parse_trial_filter(const std::string& text, std::string& why) {
    try {
        return Parser(text).parse();
    } catch (const SyntaxError& e) {
        why = "at character " + std::to_string(e.pos + 1) + ": " + e.message;
        return std::nullopt;
    }
}

std::string condition_mismatch(const FilterCondition& c, const io::Column& column) {
    if (column.is_string) {
        if (numeric_op(c.op))
            return std::string("'") + op_text(c.op) + "' compares numbers, but " + c.column +
                   " is a string column (" + column.dtype + ")";
        return {};
    }
    for (const auto& v : c.values) {
        std::string why;
        if (!text::to_double(v.text, why))
            return "'" + v.text + "' is not a number, but " + c.column + " is numeric (" +
                   column.dtype + ")";
    }
    return {};
}

FilterOutcome evaluate_filter(const TrialFilter& filter, const io::TrialsTable& trials) {
    FilterOutcome out;
    const std::size_t n = trials.rows();
    out.keep.assign(n, 1);
    std::vector<char> nan(n, 0);
    for (const auto& c : filter.conditions) {
        const io::Column* column = trials.find(c.column);
        if (column == nullptr)
            throw std::invalid_argument("trial filter: no trials column '" + c.column + "'");
        if (const auto why = condition_mismatch(c, *column); !why.empty())
            throw std::invalid_argument("trial filter: " + why);
        if (column->size() != n)
            throw std::invalid_argument("trial filter: column '" + c.column +
                                        "' is not one value per trial");
        if (column->is_string) {
            for (std::size_t r = 0; r < n; ++r)
                if (!passes_string(c, column->strings[r])) out.keep[r] = 0;
            continue;
        }
        std::vector<double> values;
        for (const auto& v : c.values)
            values.push_back(number_of(v));
        for (std::size_t r = 0; r < n; ++r) {
            const double x = column->numbers[r];
            if (std::isnan(x)) {
                nan[r] = 1;
                out.keep[r] = 0;
            } else if (!passes_number(c, values, x)) {
                out.keep[r] = 0;
            }
        }
    }
    for (std::size_t r = 0; r < n; ++r) {
        if (out.keep[r] != 0) continue;
        ++out.filtered_out;
        if (nan[r] != 0) ++out.nan;
    }
    return out;
}

} // namespace neuropop::jobs
