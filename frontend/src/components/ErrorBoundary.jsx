import { Component } from 'react';

// A page that throws while rendering shows this instead of a blank screen; the rest of the app keeps working.
export default class ErrorBoundary extends Component {
  constructor(props) {
    super(props);
    this.state = { error: null };
  }

  static getDerivedStateFromError(error) {
    return { error };
  }

  render() {
    if (!this.state.error) return this.props.children;
    const chunk = /dynamically imported module|Loading chunk/i.test(String(this.state.error?.message));
    return (
      <div role="alert" className="flex flex-col gap-3 py-8">
        <h1 className="text-2xl font-bold">Something went wrong</h1>
        <p>
          {chunk
            ? 'A new version of Bachata Buddy is available. Reload the page to continue.'
            : 'This page could not be shown. Reload the page to try again.'}
        </p>
        <button type="button" className="btn-primary self-start" onClick={() => window.location.reload()}>
          Reload the page
        </button>
      </div>
    );
  }
}
