# bash completion for rfneedle-diag (docs/operations.md, "rfneedle-diag"). CLI11 2.1
# generates none, so this is kept by hand; tests/unit/diag/completion_test.cpp checks that
# it offers every command and option the program has.
#
# Install: cp tools/diag/rfneedle-diag.bash /usr/share/bash-completion/completions/rfneedle-diag
# or, for one shell: source tools/diag/rfneedle-diag.bash

# The subcommands under a command path ("" is the top level).
_rfneedle_diag_children() {
  case "$1" in
    "") echo "login logout stop status events faults selftest counters version config link operators audit sim sessions watch calibrate" ;;
    faults) echo "ack reset" ;;
    config) echo "show" ;;
    link) echo "stats" ;;
    operators) echo "list add reset disable enable" ;;
    audit) echo "verify" ;;
    sim) echo "faults" ;;
    "sim faults") echo "list inject clear" ;;
    sessions) echo "list export" ;;
    calibrate) echo "rf" ;;
  esac
}

# The options of a command path, besides the ones every command takes.
_rfneedle_diag_options() {
  case "$1" in
    login) echo "--role --user --secret-file" ;;
    logout) echo "--role" ;;
    events) echo "-f --follow --since --until --severity -o --output -n --lines --role --user --secret-file" ;;
    "faults reset") echo "--reason" ;;
    "operators add" | "operators reset") echo "--pin-file" ;;
    "sim faults inject") echo "--for" ;;
    "sessions list") echo "--limit" ;;
    "sessions export") echo "--format -o --output" ;;
    watch) echo "--fields --count --role --user --secret-file" ;;
    "calibrate rf") echo "--loads --powers --duration --stay-in-service" ;;
  esac
}

_rfneedle_diag() {
  local cur=${COMP_WORDS[COMP_CWORD]}
  local prev=""
  ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
  local every="-h --help --url --json -y --yes"

  # The command path typed so far: the words that name subcommands, in order.
  local path="" i word
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=${COMP_WORDS[i]}
    [[ $word == -* ]] && continue
    if [[ " $(_rfneedle_diag_children "$path") " == *" $word "* ]]; then
      path="${path:+$path }$word"
    fi
  done

  # Option values.
  case "$prev" in
    --role) COMPREPLY=($(compgen -W "service operator" -- "$cur")); return ;;
    --severity) COMPREPLY=($(compgen -W "diagnostic activity_low activity_high command warning_low warning_high fatal" -- "$cur")); return ;;
    --format) COMPREPLY=($(compgen -W "csv json fhir" -- "$cur")); return ;;
    --fields) COMPREPLY=($(compgen -W "power voltage current impedance energy heatsink skin_a skin_b position motor rf trigger cartridge estop" -- "$cur")); return ;;
    -o | --output)
      if [[ $path == events ]]; then
        COMPREPLY=($(compgen -W "short-iso json" -- "$cur"))
      else
        COMPREPLY=($(compgen -f -- "$cur"))
      fi
      return ;;
    --secret-file | --pin-file) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --url) COMPREPLY=($(compgen -W "http://127.0.0.1:8080" -- "$cur")); return ;;
    --since | --until) COMPREPLY=($(compgen -W "-10min -1h -1d now" -- "$cur")); return ;;
    --user | --reason | --for | --limit | --lines | -n | --count | --loads | --powers | --duration) return ;;
  esac

  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$every $(_rfneedle_diag_options "$path")" -- "$cur"))
    return
  fi
  if [[ $path == "sim faults inject" ]]; then
    COMPREPLY=($(compgen -W "link-drop link-corrupt link-delay link-stall link-disconnect board-reboot impedance-open impedance-short impedance-drift thermistor-a-open thermistor-b-open thermistor-a-short thermistor-b-short thermistor-a-stuck thermistor-b-stuck thermistor-a-drift thermistor-b-drift thermistor-pair-disagree skin-heating rf-stuck-on power-drift heatsink-overheat motor-stall encoder-slip retraction-jam cartridge-missing cartridge-expired trigger-stuck estop" -- "$cur"))
    return
  fi
  COMPREPLY=($(compgen -W "$(_rfneedle_diag_children "$path")" -- "$cur"))
}

complete -F _rfneedle_diag rfneedle-diag
