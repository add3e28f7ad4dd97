// Writes the gnuplot program for a scenario's latency picture and runs gnuplot on it.
#include "latency_chart.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

extern char** environ;

namespace schemashift::scenarios::report {

namespace {

constexpr const char* kSeriesHeader = "second,requests,errors,wrong,p50_ms,p99_ms,max_ms";
constexpr const char* kSafeColour = "#1f5fa8";
constexpr const char* kSafeLight = "#9dbde3";
constexpr const char* kNaiveColour = "#c8321e";
constexpr const char* kNaiveLight = "#efaa9f";

// A gnuplot single-quoted string: no escapes inside but '' for a quote.
std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

std::string number(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", x);
  return buf;
}

std::string two_digit(int n) { return (n < 10 ? "0" : "") + std::to_string(n); }

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::string latency_chart_script(const ScenarioResult& scenario, const std::filesystem::path& svg,
                                 std::size_t safe_rows, std::size_t naive_rows) {
  std::ostringstream g;
  g << "# Drawn by scenario-report from " << scenario.slug << "'s series files.\n"
    << "set terminal svg size 1100,560 dynamic noenhanced font 'sans,13' background rgb 'white'\n"
    << "set output " << quoted(svg.string()) << "\n"
    << "set datafile separator ','\n"
    << "set title "
    << quoted("Scenario " + two_digit(scenario.scenario) + ": " + scenario.title + " (" +
              scenario.size + ") - latency per second, safe vs naive")
    << "\n"
    << "set xlabel 'seconds since the load started'\n"
    << "set ylabel 'write latency from schedule (ms, log scale)'\n"
    << "set logscale y\n"
    << "set format y '%g'\n"
    << "set grid xtics ytics mytics lc rgb '#dddddd'\n"
    << "set xrange [0:*]\n"
    << "set y2range [0:1]\n"
    << "unset y2tics\n"
    << "set key outside right top vertical box opaque\n"
    << "set border 3\nset xtics nomirror\nset ytics nomirror\n";
  int label = 0;
  for (const auto& p : scenario.safe.phases) {
    ++label;
    g << "set arrow " << label << " from " << number(p.at_s) << ", graph 0 to " << number(p.at_s)
      << ", graph 1 nohead lc rgb '" << kSafeColour << "' lw 1 dt 2\n"
      << "set label " << label << " " << quoted(p.phase) << " at " << number(p.at_s)
      << ", graph 0.90 right rotate by 90 offset character 1.2,0 tc rgb '" << kSafeColour << "'\n";
  }
  ++label;
  const double change = scenario.naive.change_at_s;
  g << "set arrow " << label << " from " << number(change) << ", graph 0 to " << number(change)
    << ", graph 1 nohead lc rgb '" << kNaiveColour << "' lw 2 dt 3\n"
    << "set label " << label << " 'naive change' at " << number(change)
    << ", graph 0.04 left rotate by 90 offset character -1.3,0 tc rgb '" << kNaiveColour << "'\n";

  // Columns: 1 second, 2 requests, 3 errors, 4 wrong, 5 p50_ms, 6 p99_ms, 7 max_ms.
  std::vector<std::string> plots;
  const auto series = [&](const RunResult& run, const std::string& name, const char* colour,
                          const char* light, double error_row) {
    const std::string file = quoted(run.series_csv.string());
    plots.push_back(file + " skip 1 using 1:($7>0?$7:NaN) with lines lc rgb '" + light +
                    "' lw 1 title " + quoted(name + " max"));
    plots.push_back(file + " skip 1 using 1:($6>0?$6:NaN) with lines lc rgb '" + colour +
                    "' lw 2.5 title " + quoted(name + " p99"));
    plots.push_back(file + " skip 1 using 1:($3>0?" + number(error_row) +
                    ":NaN) axes x1y2 with points pt 7 ps 0.6 lc rgb '" + colour + "' title " +
                    quoted(name + ": seconds with errors"));
  };
  if (naive_rows > 0) series(scenario.naive, "naive", kNaiveColour, kNaiveLight, 0.975);
  if (safe_rows > 0) series(scenario.safe, "safe", kSafeColour, kSafeLight, 0.95);
  if (plots.empty()) {
    // Nothing measured: an empty frame that says so rather than no picture.
    g << "set label 100 'no samples in either series' at graph 0.5, graph 0.5 center\n"
      << "set yrange [1:1000]\nset xrange [0:10]\nplot NaN notitle\n";
    return g.str();
  }
  g << "plot ";
  for (std::size_t i = 0; i < plots.size(); ++i) g << (i ? ", \\\n     " : "") << plots[i];
  g << "\n";
  return g.str();
}

std::size_t series_rows(const std::filesystem::path& csv, const std::string& result_file,
                        const std::string& field) {
  std::ifstream in(csv);
  if (!in)
    throw ResultFileError(result_file, field, "names " + csv.string() + ", which cannot be read");
  std::string line;
  if (!std::getline(in, line) || line != kSeriesHeader)
    throw ResultFileError(
        result_file, field,
        "names " + csv.string() + ", whose header is not '" + kSeriesHeader + "'");
  std::size_t rows = 0;
  while (std::getline(in, line))
    if (!line.empty()) ++rows;
  return rows;
}

std::filesystem::path draw_latency_chart(const ScenarioResult& scenario) {
  const std::string result_file = (scenario.dir / "result.json").string();
  const auto safe_rows = series_rows(scenario.safe.series_csv, result_file, "runs.safe.series_csv");
  const auto naive_rows =
      series_rows(scenario.naive.series_csv, result_file, "runs.naive.series_csv");
  const auto svg = scenario.dir / "latency.svg";
  const auto script = scenario.dir / "latency.gp";
  const auto log = scenario.dir / "latency.gnuplot.log";
  {
    std::ofstream out(script);
    out << latency_chart_script(scenario, svg, safe_rows, naive_rows);
    if (!out) throw ChartError("cannot write " + script.string());
  }
  std::filesystem::remove(svg);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  const std::string program = "gnuplot";
  const std::string script_arg = script.string();
  std::vector<char*> argv = {const_cast<char*>(program.c_str()),
                             const_cast<char*>(script_arg.c_str()), nullptr};
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, "gnuplot", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0)
    throw ChartError("cannot run gnuplot (" + std::string(std::strerror(rc)) +
                     "): install Debian's gnuplot-nox (hack/setup.sh does)");
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !std::filesystem::exists(svg))
    throw ChartError("gnuplot failed on " + script.string() + ":\n" + read_file(log));
  return svg;
}

}  // namespace schemashift::scenarios::report
