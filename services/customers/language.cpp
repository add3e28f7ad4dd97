#include "language.h"

#include <algorithm>
#include <cctype>
#include <map>

namespace schemashift::customers {

std::string language_for_country(const std::optional<std::string>& country) {
  static const std::map<std::string, std::string> kLanguages = {
      {"AT", "de"}, {"BE", "nl"}, {"BR", "pt"}, {"CH", "de"}, {"CZ", "cs"}, {"DE", "de"},
      {"DK", "da"}, {"ES", "es"}, {"FI", "fi"}, {"FR", "fr"}, {"GR", "el"}, {"HU", "hu"},
      {"IT", "it"}, {"JP", "ja"}, {"MX", "es"}, {"NL", "nl"}, {"NO", "nb"}, {"PL", "pl"},
      {"PT", "pt"}, {"RO", "ro"}, {"SE", "sv"}, {"TR", "tr"}};
  if (!country) return "en";
  std::string code = *country;
  std::transform(code.begin(), code.end(), code.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
  auto it = kLanguages.find(code);
  return it == kLanguages.end() ? "en" : it->second;
}

}  // namespace schemashift::customers
