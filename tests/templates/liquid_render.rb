#!/usr/bin/env ruby
# frozen_string_literal: true

# Reference renderer for Liquid 5.4 (Shopify's Ruby gem), speaking JSON lines.
#
# Each stdin line is {"syntax": "liquid", "template": "...", "context": {...}};
# each answer is one stdout line, {"output": "..."} or {"error": "<Class>: message"}.
# Templates are parsed in strict mode and rendered with render!, so an error
# raises instead of being printed inline as "Liquid error: ...".
#
# A request's "partials" ({"name": "template", ...}) are the file system that
# include and render read.
#
# In the context, {"$datetime": s} and {"$date": s} become the plain string s:
# Liquid users pass dates as strings.

require 'json'
require 'liquid'

STDOUT.sync = true
# The date filter reads integers (Time.at) and zone-less strings (Time.parse) in the process's zone.
ENV['TZ'] = 'UTC'

def convert(value)
  case value
  when Hash
    if value.size == 1 && %w[$datetime $date].include?(value.keys.first) && value.values.first.is_a?(String)
      value.values.first
    else
      value.transform_values { |item| convert(item) }
    end
  when Array
    value.map { |item| convert(item) }
  else
    value
  end
end

# The partials of one request, by name.
class Partials
  def initialize(partials)
    @partials = partials
  end

  def read_template_file(name)
    @partials.fetch(name) { raise Liquid::FileSystemError, "No such template '#{name}'" }
  end
end

def render(request)
  template = Liquid::Template.parse(request.fetch('template'), error_mode: :strict)
  registers = { file_system: Partials.new(request['partials'] || {}) }
  output = template.render!(convert(request['context'] || {}), registers: registers)
  output = output.dup.force_encoding(Encoding::UTF_8)
  raise EncodingError, 'the output is not valid UTF-8' unless output.valid_encoding?

  output
end

def answer(line)
  { 'output' => render(JSON.parse(line)) }
rescue StandardError, SystemStackError => e
  { 'error' => "#{e.class}: #{e.message}" }
end

STDIN.each_line do |line|
  next if line.strip.empty?

  puts JSON.generate(answer(line))
end
